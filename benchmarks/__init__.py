"""Side-by-side measurements of the mock server and the contract suite (`make bench`).

See benchmarks/README.md for the figures, the machine they were taken on and the command.
"""
