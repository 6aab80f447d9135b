"""The shipped sample (reference data + inbox) and its generator; see docs/sample.md."""
