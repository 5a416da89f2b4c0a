"""Benchmarks: the resolver against a dict floor, a linear scan, huggingface_hub."""
