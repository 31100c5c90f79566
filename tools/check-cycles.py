#!/usr/bin/env python3
"""Fails when files of src/ depend on each other in a circle.

A file depends on another when its object uses a symbol (a function, a table,
a variable) that the other defines: the calls and references #include makes
possible, as the linker sees them. Usage: check-cycles.py OBJDIR [SRCDIR], where OBJDIR
holds the objects of src/ (build/obj/src or build/san/obj/src); with SRCDIR
(the source tree's src/), objects left over from a file that no longer exists
are ignored. Prints every
circle found, one per line, and exits 1; prints the number of files and edges
and exits 0 when there is none."""
import os
import subprocess
import sys


def symbols(path):
    out = subprocess.run(["nm", "-P", path], check=True, capture_output=True, text=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            used.add(name)
        elif kind.isupper():   # global definitions only: statics are the file's own
            defined.add(name)
    return defined, used


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    top = sys.argv[1]
    srcdir = sys.argv[2] if len(sys.argv) == 3 else None
    files = {}
    for root, _, names in os.walk(top):
        for n in names:
            if n.endswith(".o"):
                path = os.path.join(root, n)
                rel = os.path.relpath(path, top)[:-2] + ".c"
                if srcdir and not os.path.exists(os.path.join(srcdir, rel)):
                    continue   # a stale object: its source was moved or removed
                files[rel] = symbols(path)
    if not files:
        sys.exit("check-cycles: no objects under " + top)
    owner = {}
    for f, (defined, _) in files.items():
        for s in defined:
            owner[s] = f
    edges = {f: sorted({owner[s] for s in used if s in owner and owner[s] != f})
             for f, (_, used) in files.items()}

    # Tarjan's strongly connected components: any with two or more files is a circle.
    index, low, stack, on, circles = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    for comp in circles:
        inside = set(comp)
        why = ["%s -> %s" % (a, b) for a in comp for b in edges[a] if b in inside]
        print("circle: " + " ".join("src/" + c for c in comp) + "  (" + ", ".join(why) + ")")
    if circles:
        sys.exit(1)
    print("no circle among %d files of src/ (%d dependencies)" % (len(files), sum(len(e) for e in edges.values())))


main()
