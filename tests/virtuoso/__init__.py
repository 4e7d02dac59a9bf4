"""The scale-out reference: the query catalogue, the ``sparql`` backend and the traversals
against Virtuoso Open Source 7 on loopback (``make test-virtuoso``; ``pytest -m virtuoso``)."""
