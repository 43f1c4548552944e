/* SPDX-License-Identifier: MIT */
/* A binary tree lost from its root: the root (48 bytes, new_tree_root) is
 * lost, its 6 descendants (24 bytes each, new_tree_node) are indirect. */
#include <stdlib.h>
#include "lk.h"

struct tree {
	struct tree *left, *right;
	long value;
};

LK_SITE struct tree *new_tree_node(int depth)
{
	struct tree *t = malloc(sizeof(*t));

	t->value = depth;
	t->left = depth > 1 ? new_tree_node(depth - 1) : NULL;
	t->right = depth > 1 ? new_tree_node(depth - 1) : NULL;
	return t;
}

LK_SITE struct tree *new_tree_root(void)
{
	struct tree *t = malloc(sizeof(*t) + 24);

	t->value = 0;
	t->left = new_tree_node(2);
	t->right = new_tree_node(2);
	return t;
}

LK_SITE static void lose_tree(void)
{
	struct tree *volatile root = new_tree_root();

	root->value = 1;
	root = NULL;
}

int main(void)
{
	lose_tree();
	lk_scrub_stack();
	return 0;
}
