// The layout freeze test compiled as C++: the same asserts must hold for C++ plugins.
#include "layout_test.c"
