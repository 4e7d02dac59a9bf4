"""Benchmarks users can run: ``kg bench`` (:mod:`kg.bench.harness`) and the canonical query mix
(:mod:`kg.bench.mix`) it shares with the endpoint benchmark."""
