#!/usr/bin/env python3
"""Writes N C++ source files of a few hundred lines, in an untidy style, for astyle to format.
Usage: gen_cpp.py DIR N"""
import os
import random
import sys

out_dir, count = sys.argv[1], int(sys.argv[2])
os.makedirs(out_dir, exist_ok=True)
rng = random.Random(14)


def function(i):
    name = f"compute_{i}_{rng.randrange(1000)}"
    lines = [f"static int {name}(const std::vector<int>&v,int k){{int total=0;"]
    for j in range(rng.randrange(8, 20)):
        kind = rng.randrange(4)
        if kind == 0:
            lines.append(f"for(size_t i{j}=0;i{j}<v.size();++i{j}){{if(v[i{j}]%{j + 2}==0){{total+=v[i{j}]*k;}}else{{total-=1;}}}}")
        elif kind == 1:
            lines.append(f"  if (total>{rng.randrange(100)}&&k<{rng.randrange(50)}) {{ total = total/2+{j}; }}")
        elif kind == 2:
            lines.append(f"    switch(k%3){{case 0:total+={j};break;case 1:total^={j};break;default:break;}}")
        else:
            lines.append(f"std::string s{j}=std::to_string(total)+\"_{j}\";total+=(int)s{j}.size();")
    lines.append("return total;}")
    return lines


for n in range(count):
    body = ["#include <vector>", "#include <string>", f"namespace gen{n} {{"]
    for i in range(rng.randrange(14, 22)):
        body.extend(function(i))
        body.append(f"class Item{i}{{public:Item{i}(int a):a_(a){{}} int get()const{{return a_;}} private:int a_;}};")
    body.append("}")
    with open(os.path.join(out_dir, f"file{n:04d}.cpp"), "w") as f:
        f.write("\n".join(body) + "\n")
