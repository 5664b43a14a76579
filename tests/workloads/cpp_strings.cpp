// cpp_strings.cpp: a C++ workload: std::vector<std::string> and new, inside a namespace and a
// class, so the tests see demangled names and the user frames above operator new.
// Usage: cpp_strings N [--wait]
#include <pthread.h>
#include <cstdlib>
#include <string>
#include <vector>

#include "wait_go.h"

namespace shop
{
struct Item {
	std::string name;
	long price;
};

class Catalog {
    public:
	__attribute__((noinline)) long load(int n)
	{
		std::vector<std::string> names;
		long total = 0;

		for (int i = 0; i < n; i++)
			names.push_back(std::string(40, static_cast<char>('a' + i % 26)));
		for (const auto &s : names) {
			Item *it = new Item{ s, static_cast<long>(s.size()) };
			total += it->price;
			delete it;
		}
		return total;
	}
};
} // namespace shop

int main(int argc, char **argv)
{
	int n = argc > 1 ? std::atoi(argv[1]) : 100;
	shop::Catalog c;

	wait_go_if_asked(argc, argv);
	std::printf("total=%ld\n", c.load(n));
	return 0;
}
