"""Incremental builds: only new or changed articles are embedded; removed ones are dropped."""

from __future__ import annotations

import shutil

import numpy as np

from index.attribution import Attributor
from index.attribution_workers import attribute_texts
from index.builder import BuildOptions, build_index
from index.rules import attribution_rules
from index.store import StoredIndex
from tests.conftest import write
from tests.fakes import HashEmbedder


def test_first_build_embeds_every_chunk_and_reports_skips(tmp_path, seed_corpus, fake_embedder):
    write(seed_corpus / "empty.txt", "")
    report = build_index(seed_corpus, tmp_path / "index", fake_embedder)
    assert report.written and report.articles == 2
    assert report.embedded == report.chunks == fake_embedder.embedded > 0
    assert [str(s) for s in report.skipped] == ["empty.txt: empty file"]
    assert "2 articles" in report.summary() and "1 skipped" in report.summary()


def test_an_unchanged_corpus_embeds_nothing_and_writes_nothing(tmp_path, seed_corpus):
    build_index(seed_corpus, tmp_path / "index", HashEmbedder())
    version = StoredIndex.load(tmp_path / "index").version
    again = HashEmbedder()
    report = build_index(seed_corpus, tmp_path / "index", again)
    assert again.embedded == 0 and report.embedded == 0
    assert not report.written and report.version == version
    assert "index unchanged" in report.summary()


def test_a_changed_article_re_embeds_only_itself(tmp_path, seed_corpus):
    first = build_index(seed_corpus, tmp_path / "index", HashEmbedder())
    path = seed_corpus / "004_6d7dcd92801b1fc8.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nA new closing line.\n", encoding="utf-8")
    embedder = HashEmbedder()
    report = build_index(seed_corpus, tmp_path / "index", embedder)
    index = StoredIndex.load(tmp_path / "index")
    live = index.live_rows()
    changed = [
        row
        for row, c in enumerate(index.chunks)
        if live[row] and c.article_id == "004_6d7dcd92801b1fc8"
    ]
    assert embedder.embedded == report.embedded == len(changed)
    assert report.reused == report.chunks - len(changed)
    assert 0 < report.reused < first.chunks
    assert index.chunk_text(changed[-1]).endswith("A new closing line.")


def test_reused_vectors_are_identical_to_fresh_ones(tmp_path, seed_corpus):
    build_index(seed_corpus, tmp_path / "a", HashEmbedder())
    write(seed_corpus / "z.txt", "Zed\n\nAn extra article about dams.")
    build_index(seed_corpus, tmp_path / "a", HashEmbedder())
    build_index(seed_corpus, tmp_path / "b", HashEmbedder())
    incremental = StoredIndex.load(tmp_path / "a").article_vectors()
    fresh = StoredIndex.load(tmp_path / "b").article_vectors()
    assert incremental.keys() == fresh.keys()
    for aid, (refs, vectors) in fresh.items():
        assert incremental[aid][0] == refs
        assert (incremental[aid][1] == vectors).all()


def test_removed_articles_are_dropped(tmp_path, seed_corpus):
    build_index(seed_corpus, tmp_path / "index", HashEmbedder())
    (seed_corpus / "000_c0181eb0cece6f71.txt").unlink()
    report = build_index(seed_corpus, tmp_path / "index", HashEmbedder())
    assert report.removed == 1 and report.embedded == 0
    assert set(StoredIndex.load(tmp_path / "index").articles) == {"004_6d7dcd92801b1fc8"}


def test_changed_chunk_settings_or_model_re_embed_everything(tmp_path, seed_corpus):
    build_index(seed_corpus, tmp_path / "index", HashEmbedder())
    smaller = HashEmbedder()
    report = build_index(seed_corpus, tmp_path / "index", smaller, BuildOptions(chunk_tokens=80))
    assert smaller.embedded == report.chunks and "chunk settings changed" in report.note
    other = HashEmbedder(name="test/other-model")
    report = build_index(seed_corpus, tmp_path / "index", other, BuildOptions(chunk_tokens=80))
    assert other.embedded == report.chunks and "test/hash-embedder" in report.note
    assert StoredIndex.load(tmp_path / "index").manifest.model == "test/other-model"
    assert report.removed == 0  # the previous index still counts removals


def test_another_document_encoder_of_the_same_model_re_embeds_everything(tmp_path, seed_corpus):
    """int8 and fp32 vectors of one model differ: switching the backend must not mix them."""
    build_index(seed_corpus, tmp_path / "index", HashEmbedder())
    fp32 = HashEmbedder()
    fp32.document_encoder = "onnx-fp32"
    report = build_index(seed_corpus, tmp_path / "index", fp32)
    assert fp32.embedded == report.chunks > 0 and report.reused == 0
    assert StoredIndex.load(tmp_path / "index").manifest.encoder == "onnx-fp32"


def test_a_damaged_index_is_rebuilt_from_scratch(tmp_path, seed_corpus):
    build_index(seed_corpus, tmp_path / "index", HashEmbedder())
    (tmp_path / "index" / "CURRENT").write_text("broken")
    embedder = HashEmbedder()
    report = build_index(seed_corpus, tmp_path / "index", embedder)
    assert report.written and embedder.embedded == report.chunks
    assert "not reused" in report.note
    StoredIndex.load(tmp_path / "index")


def test_hnsw_index_is_selectable(tmp_path, seed_corpus):
    from index.store import FaissSpec

    build_index(
        seed_corpus, tmp_path / "index", HashEmbedder(), BuildOptions(faiss=FaissSpec("hnsw"))
    )
    index = StoredIndex.load(tmp_path / "index")
    assert "HNSW" in type(index.segments[0].vectors).__name__
    assert index.manifest.faiss["kind"] == "hnsw"


def test_an_incremental_build_gives_the_vectors_of_a_full_build(tmp_path, real_embedder):
    """With the real int8 encoder: adding an article later gives its chunks exactly the
    vectors a build of everything at once gives them (no batch dependence)."""
    from tests.conftest import SEED_CORPUS

    full = tmp_path / "full"
    build_index(SEED_CORPUS, full, real_embedder)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    first, second = sorted(SEED_CORPUS.iterdir())
    shutil.copy(first, corpus)
    build_index(corpus, tmp_path / "inc", real_embedder)
    shutil.copy(second, corpus)
    report = build_index(corpus, tmp_path / "inc", real_embedder)
    assert report.reused > 0 and report.embedded > 0
    a = StoredIndex.load(full).article_vectors()
    b = StoredIndex.load(tmp_path / "inc").article_vectors()
    assert a.keys() == b.keys()
    for aid, (refs, vectors) in a.items():
        assert b[aid][0] == refs
        assert np.array_equal(b[aid][1], vectors)


class CountingAttributor(Attributor):
    """The real attributor, remembering how many texts it was asked to attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.attributed = 0

    def statements_many(self, texts):
        self.attributed += len(texts)
        return super().statements_many(texts)


def test_who_said_what_is_stored_with_the_index(tmp_path, seed_corpus):
    build_index(seed_corpus, tmp_path / "index", HashEmbedder())
    index = StoredIndex.load(tmp_path / "index")
    article = index.articles["000_c0181eb0cece6f71"]
    said = {article.text[s.start : s.end]: s for s in index.statements[article.id]}
    fars = next(s for quote, s in said.items() if "neither Iran nor Russian" in quote)
    assert fars.speaker == "Iran’s FARS news agency" and fars.stance == "unconfirmed"
    assert index.manifest.attribution == attribution_rules()


def test_unchanged_articles_keep_their_statements_and_changed_ones_are_attributed_again(
    tmp_path, seed_corpus
):
    build_index(seed_corpus, tmp_path / "index", HashEmbedder())
    before = StoredIndex.load(tmp_path / "index").statements
    path = seed_corpus / "004_6d7dcd92801b1fc8.txt"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nThe ministry denied the reports, Tass said.\n",
        encoding="utf-8",
    )
    attributor = CountingAttributor()
    build_index(seed_corpus, tmp_path / "index", HashEmbedder(), attributor=attributor)
    after = StoredIndex.load(tmp_path / "index").statements
    assert attributor.attributed == 1
    assert after["000_c0181eb0cece6f71"] == before["000_c0181eb0cece6f71"]
    assert after["004_6d7dcd92801b1fc8"][-1].speaker == "Tass"


def test_new_attribution_rules_re_attribute_everything_without_re_embedding(
    tmp_path, seed_corpus, monkeypatch
):
    build_index(seed_corpus, tmp_path / "index", HashEmbedder())
    monkeypatch.setattr("index.builder.attribution_rules", lambda: "rules of tomorrow")
    attributor, embedder = CountingAttributor(), HashEmbedder()
    report = build_index(seed_corpus, tmp_path / "index", embedder, attributor=attributor)
    assert attributor.attributed == 2 and embedder.embedded == 0 and report.written
    assert StoredIndex.load(tmp_path / "index").manifest.attribution == "rules of tomorrow"


def test_attributing_in_worker_processes_gives_what_one_process_gives():
    texts = [
        f"Dam {n}\n\nThe dam burst, officials said.\n\n“It held,” said Mayor Ann Lee {n}."
        for n in range(5)
    ]
    attributor = Attributor()
    alone = attributor.statements_many(texts)
    assert attribute_texts(texts, attributor, workers=2, group=2) == alone
    assert [s.speaker for s in alone[3]] == ["officials", "Mayor Ann Lee 3"]


def test_a_killed_build_leaves_no_attribution_worker_behind(tmp_path):
    """Workers are separate processes: when the build dies they must end too, or each
    killed build would keep two spaCy pipelines in memory for good."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    corpus = tmp_path / "corpus"
    for n in range(300):
        write(corpus / f"a{n}.txt", f"Dam {n}\n\n" + "Officials said the dam held. " * 30)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env |= {"PYTHONPATH": str(ROOT), "NEWSDESK_EMBEDDING_MODEL": "py:tests.fakes:hash_embedder"}
    build = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "index", "build", "--corpus", str(corpus),
         "--index", str(tmp_path / "index")],
        env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert build.stderr is not None
    for line in build.stderr:
        if line.startswith("attributing: "):  # the workers have done a group
            break

    def workers() -> list[str]:
        found = subprocess.run(["pgrep", "-P", str(build.pid)], capture_output=True, text=True)
        return found.stdout.split()

    alive = workers()
    assert alive
    build.send_signal(signal.SIGKILL)
    build.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(os.path.exists(f"/proc/{pid}") for pid in alive) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in alive if os.path.exists(f"/proc/{pid}")]


def test_documents_embedded_side_by_side_get_the_vectors_of_one_at_a_time(
    real_embedder, model_cache
):
    """Two threads share the document session (the default for a build): same vectors, in
    order, as one thread; questions get the vectors they get alone, as documents do."""
    from index.embedding import load_embedder
    from tests.conftest import DEFAULT_MODEL, SEED_CORPUS

    texts = [
        paragraph
        for path in sorted(SEED_CORPUS.iterdir())
        for paragraph in path.read_text().split("\n\n")
        if paragraph.strip()
    ]
    one = load_embedder(DEFAULT_MODEL, backend="onnx-int8", cache_dir=model_cache, threads=1)
    assert len(texts) > 4
    assert np.array_equal(real_embedder.encode_documents(texts), one.encode_documents(texts))
    assert np.array_equal(one.encode(texts[:2]), real_embedder.encode(texts[:2]))
    assert np.array_equal(one.encode(texts[:2])[1], one.encode([texts[1]])[0])


def test_a_fresh_process_attributes_in_a_worker_started_before_the_corpus_is_read(
    tmp_path, seed_corpus, monkeypatch
):
    """Where this process has no spaCy pipeline yet (a `newsdesk index build`), a worker
    process starts loading one before the corpus is read when there is no index yet or a
    corpus file changed since it was written: the statements are those attributed here;
    an unchanged corpus starts no worker."""
    import os
    import time

    import index.attribution_workers as workers_module

    an_hour_ago = time.time() - 3600
    for path in seed_corpus.iterdir():
        os.utime(path, (an_hour_ago, an_hour_ago))
    build_index(seed_corpus, tmp_path / "here", HashEmbedder())
    started = []
    original = workers_module.AttributionWorkers

    class Spy(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            started.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(workers_module, "pipeline_loaded", lambda: False)
    monkeypatch.setattr(workers_module, "AttributionWorkers", Spy)
    build_index(seed_corpus, tmp_path / "in-process", HashEmbedder())
    assert started == []  # only a build that asks for it (the command) starts one ahead
    ahead = BuildOptions(attribute_ahead=True)
    build_index(seed_corpus, tmp_path / "worker", HashEmbedder(), ahead)
    assert len(started) == 1
    here = StoredIndex.load(tmp_path / "here", lexical=False, vectors=False).statements
    assert StoredIndex.load(tmp_path / "worker", lexical=False, vectors=False).statements == here
    assert any(here.values())
    assert not build_index(seed_corpus, tmp_path / "worker", HashEmbedder(), ahead).written
    assert len(started) == 1
    write(seed_corpus / "dam.txt", "Dam\n\nThe dam held, the river authority said.")
    report = build_index(seed_corpus, tmp_path / "worker", HashEmbedder(), ahead)
    assert report.appended == 1 and len(started) == 2
