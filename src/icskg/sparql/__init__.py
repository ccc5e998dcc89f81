"""SPARQL text, read once: :mod:`tokens` is the one tokenizer, :mod:`facts` what the checks
learn from it before a query runs, :mod:`spans` where the parts a rewrite needs stand."""
