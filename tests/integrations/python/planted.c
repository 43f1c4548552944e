/* SPDX-License-Identifier: MIT */
/* A C extension with a planted double free and a planted leak, for the
 * pytest integration test: planted.tidy() allocates and frees,
 * planted.double_free() frees a block twice, planted.leak() loses 100
 * bytes allocated in make_lost_buffer. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

#pragma GCC optimize("O0") /* the misuse stays as written */

static void *volatile escape;

static PyObject *tidy(PyObject *self, PyObject *args)
{
	char *volatile p = malloc(64);

	(void)self, (void)args;
	if (p == NULL)
		return PyErr_NoMemory();
	free(p);
	Py_RETURN_NONE;
}

static void release(char *p)
{
	free(p);
}

static PyObject *double_free(PyObject *self, PyObject *args)
{
	char *volatile p = malloc(48);

	(void)self, (void)args;
	release(p);
	release(p);
	Py_RETURN_NONE;
}

__attribute__((noinline)) static void make_lost_buffer(void)
{
	char *p = malloc(100);

	if (p != NULL)
		memset(p, 'x', 100);
	escape = p;
}

static PyObject *leak(PyObject *self, PyObject *args)
{
	(void)self, (void)args;
	make_lost_buffer();
	escape = NULL;
	Py_RETURN_NONE;
}

static PyMethodDef planted_methods[] = {
	{ "tidy", tidy, METH_NOARGS, "allocate and free" },
	{ "double_free", double_free, METH_NOARGS, "free a block twice" },
	{ "leak", leak, METH_NOARGS, "lose 100 bytes" },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef planted_module = {
	PyModuleDef_HEAD_INIT, "planted", NULL, -1, planted_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_planted(void)
{
	return PyModule_Create(&planted_module);
}
