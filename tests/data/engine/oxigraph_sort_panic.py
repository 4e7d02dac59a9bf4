"""pyoxigraph 0.5.13 aborts the process sorting integers and strings together.

Oxigraph orders two integers by value but an integer and a string by their lexical forms,
so ``9 < 10``, ``10 < "5"`` (lexically) and ``"5" < 9``: a cycle, which Rust's sort (1.81+)
detects and panics on: "user-provided comparison function does not correctly implement a
total order". The panic aborts the whole Python process. Run: ``python oxigraph_sort_panic.py``
(it prints 40 when the engine sorts without aborting).
"""

import pyoxigraph as ox

INTEGERS = [137, 582, 867, 821, 782, 64, 261, 120, 507, 779, 460, 483, 667, 388, 807, 214, 96]
INTEGERS += [499, 29, 914]
STRINGS = ["5", "9", "9", "x y", "5", "5", "a", "Z", "9", "10", "Z", "5", "b", "x y", "a", "10"]
STRINGS += ["a", "a", "a", "Z"]

store = ox.Store()
p = ox.NamedNode("http://example.org/p")
integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
values = [ox.Literal(str(i), datatype=integer) for i in INTEGERS] + [ox.Literal(s) for s in STRINGS]
for n, value in enumerate(values):
    store.add(ox.Quad(ox.NamedNode(f"http://example.org/r{n}"), p, value))
print(len(list(store.query("SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"))))
