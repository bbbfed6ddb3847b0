"""The segmentation that sentence IRIs and quote offsets depend on."""

from __future__ import annotations

from bolekg.report import corpus
from bolekg.report.corpus import parse, split_sentences


def test_report_structure() -> None:
    text = corpus.load()
    assert [s.number for s in text.sections] == [1, 2, 3]
    assert [len(s.items) for s in text.sections] == [10, 10, 10]
    assert text.introduction.text.startswith("党史学习教育开展以来")
    assert text.sections[2].items[9].id == "s3-i10"


def test_sentences_tile_every_paragraph_exactly() -> None:
    text = corpus.load()
    for paragraph in text.paragraphs():
        assert paragraph.text == text.text[paragraph.begin : paragraph.end]
        assert "".join(s.text for s in paragraph.sentences) == paragraph.text
        for sentence in paragraph.sentences:
            assert text.text[sentence.begin : sentence.end] == sentence.text


def test_sentence_ids_are_unique_and_ordered() -> None:
    ids = [s.id for s in corpus.load().sentences()]
    assert len(ids) == len(set(ids))
    assert ids[0] == "intro-01"
    assert "s1-i01-03" in ids


def test_known_sentence() -> None:
    sentence = corpus.load().sentence("s1-i01-03")
    assert sentence.text == "截至第二季度开展各类培训5834人次,完成计划任务的128.2%。"


def test_split_keeps_brackets_with_their_sentence() -> None:
    sentences = split_sentences("甲已完工(乙;丙。)丁开始。", 10, "p")
    assert [s.text for s in sentences] == ["甲已完工(乙;丙。)", "丁开始。"]
    assert sentences[1].begin == 10 + len("甲已完工(乙;丙。)")


def test_split_on_semicolons_and_unterminated_tail() -> None:
    assert [s.text for s in split_sentences("一;二。三", 0, "p")] == ["一;", "二。", "三"]


def test_parse_minimal_text() -> None:
    text = parse("引言。\n一、标题\n㈠项目。数字1。")
    assert text.sections[0].items[0].id == "s1-i01"
    assert [s.text for s in text.sections[0].items[0].sentences] == ["㈠项目。", "数字1。"]


def test_occurrences_and_sentence_at() -> None:
    text = corpus.load()
    hits = text.occurrences("5834")
    assert len(hits) == 1
    assert text.sentence_at(hits[0]).id == "s1-i01-03"
    assert text.occurrences("博乐市人民医院", within="s1-i04")
