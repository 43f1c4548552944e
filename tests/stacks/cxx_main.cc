// SPDX-License-Identifier: MIT
// Throws and catches across a shared library 3,000 times, unwinds through a
// rethrow and a destructor, and calls glibc's backtrace(): the output must
// be the same with and without heapguard preloaded.
#include <cstdio>
#include <execinfo.h>
#include <memory>
#include <stdexcept>
#include <vector>

extern "C" void hg_thrower(int i);

static int destroyed;
struct Guard {
	~Guard() { destroyed++; }
};

static void nested(int i)
{
	Guard g;
	std::vector<std::unique_ptr<int>> owned;
	owned.emplace_back(new int(i));
	try {
		hg_thrower(i);
	} catch (const std::runtime_error &) {
		throw;
	}
}

int main()
{
	int caught = 0, passed = 0;
	for (int i = 0; i < 3000; i++) {
		try {
			nested(i);
			passed++;
		} catch (const std::exception &e) {
			caught += e.what()[0] == 't';
		}
	}
	void *frames[16];
	int depth = backtrace(frames, 16);
	std::printf("caught %d passed %d destroyed %d backtrace %s\n", caught, passed, destroyed,
		    depth >= 2 ? "ok" : "short");
	return 0;
}
