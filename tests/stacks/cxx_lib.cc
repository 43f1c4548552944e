// SPDX-License-Identifier: MIT
// A shared library that throws: the exception crosses into the program.
#include <stdexcept>
#include <string>

extern "C" __attribute__((visibility("default"))) void hg_thrower(int i)
{
	if (i % 3 != 0)
		throw std::runtime_error("thrown from the library " + std::to_string(i));
}
