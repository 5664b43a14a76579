// symbolize_fixture_cpp.cpp: the C++ part of the symbolizer test fixture: a member function in a
// namespace taking std::string, whose call site the test expects demangled as ns::S::method(...).
#include <cstddef>
#include <string>

extern "C" {
void *fixture_return_address(void);
void fixture_run_cpp(void);
void *fixture_cpp_ra;
}

namespace ns
{
struct S {
	std::size_t total = 0;
	void method(std::string s);
};

__attribute__((noipa)) void S::method(std::string s)
{
	total += s.size();
	void *ra = fixture_return_address(); /* SYMBOLIZE_MARK_CPP_CALL */
	fixture_cpp_ra = ra;
	total += s[0];
}
} // namespace ns

extern "C" void fixture_run_cpp(void)
{
	ns::S s;
	s.method(std::string("a string long enough to live on the heap"));
}
