/* SPDX-License-Identifier: MIT */
/* C++: lost via new (24 bytes) and new[] (100 bytes); kept in globals via new
 * and via new[] of a class with a destructor (the global points 8 bytes into
 * the block, past the array cookie).  Compiled by the runner if c++ exists. */
#include <cstring>
#include "lk.h"

struct widget {
	long a, b, c;
};

struct tracked {
	long id;
	long pad;
	~tracked()
	{
		id = 0;
	}
};

widget *kept_widget;
tracked *kept_tracked;

extern "C" LK_SITE void leak_new(void)
{
	widget *volatile w = new widget();

	w->a = 1;
	w = nullptr;
}

extern "C" LK_SITE void leak_new_array(void)
{
	int *volatile a = new int[25];

	std::memset(a, 0, 25 * sizeof(int));
	a = nullptr;
}

extern "C" LK_SITE void keep_new(void)
{
	kept_widget = new widget();
}

extern "C" LK_SITE void keep_new_array(void)
{
	kept_tracked = new tracked[3];
}

int main()
{
	leak_new();
	leak_new_array();
	keep_new();
	keep_new_array();
	lk_scrub_stack();
	return 0;
}
