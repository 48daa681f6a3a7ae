"""The index's own version of its rules: derived from the code, never bumped by hand.

Chunks are shaped by sentence splitting, furniture rules and the chunker. The fingerprint
hashes those modules' code with comments, docstrings and formatting removed, so editing a
rule or the algorithm re-chunks unchanged articles on the next build by itself, while a
reworded comment does not re-embed the archive.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
from types import ModuleType


def normalised_code(source: str) -> str:
    """The code of ``source`` without docstrings, comments or layout."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False)


def fingerprint(*modules: ModuleType) -> str:
    digest = hashlib.sha256()
    for module in modules:
        digest.update(module.__name__.encode())
        digest.update(normalised_code(inspect.getsource(module)).encode())
    return digest.hexdigest()[:16]


@functools.cache
def chunk_rules() -> str:
    """Fingerprint of everything that decides where chunks start and end."""
    from index import chunking, furniture, sentences

    return fingerprint(sentences, furniture, chunking)


@functools.cache
def attribution_rules() -> str:
    """Fingerprint of everything that decides a sentence's speaker and stance: the
    sentence splitter, the attribution and caption rules, and the spaCy pipeline's versions. Once a
    process, like ``chunk_rules``: the code it describes is loaded once (a build asks for
    it twice, ~25 ms each)."""
    from importlib.metadata import PackageNotFoundError, version

    from index import attribution, captions, furniture, sentences

    try:
        package = attribution.SPACY_PACKAGE
        model = f"spacy {version('spacy')}, {package} {version(package)}"
    except PackageNotFoundError:
        model = "spacy missing"
    return f"{fingerprint(sentences, furniture, captions, attribution)} ({model})"
