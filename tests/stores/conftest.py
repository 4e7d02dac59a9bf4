"""The Virtuoso server fixtures, for the backend suite's ``virtuoso`` parameter
(``make test-virtuoso``; left out of the default run by its mark)."""

from tests.virtuoso.conftest import sparql_settings, virtuoso  # noqa: F401
