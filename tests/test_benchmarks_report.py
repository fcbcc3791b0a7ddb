"""benchmarks/report.py: the performance page is laid out from saved results only."""

import json

import pytest

from benchmarks import report


def result(rows, title="Pipeline per frame", sha="a" * 64, header=None):
    header = header or ["frame", "photo path ms (mean / p95)", "live mtcnn ms (mean / p95)", "fer ms (mean / p95)"]
    return {"command": "python benchmarks/pipeline.py", "date": "2026-12-05 06:00 UTC", "machine": "2 cores, CPU",
            "model_sha256": sha, "measured": [{"title": title, "header": header, "rows": rows},
                                              {"note": "fer found a false face."}]}


def test_a_cell_is_found_by_table_title_row_and_column_or_is_a_dash():
    saved = result([["640x480, 1 face", "21.1 / 21.5", "5.9 / 16.3", "37.5 / 39.0"]])
    assert report.cell(saved, "Pipeline", "640x480, 1", "fer ms (mean / p95)") == "37.5 / 39.0"
    assert report.cell(saved, "Pipeline", "1280x720", "fer ms (mean / p95)") == "-"
    assert report.cell(None, "Pipeline", "640x480", "fer ms (mean / p95)") == "-"


def test_a_section_names_its_command_date_and_cpu_and_flags_results_of_another_model():
    section = next(s for s in report.SECTIONS if s.name == "accuracy")
    saved = result([["ours", "0.1", "0.2", "0.3"]], sha="b" * 64)
    text = report.section_text(section, saved, "c" * 64)
    assert "`python benchmarks/pipeline.py` · 2026-12-05 06:00 UTC · 2 cores, CPU" in text
    assert "**Stale:**" in text and "fer found a false face." in text
    assert "**Stale:**" not in report.section_text(section, saved, "b" * 64)
    assert "Not measured yet: `python benchmarks/accuracy.py`" in report.section_text(section, None, "b" * 64)


def test_the_page_and_the_readme_summary_come_from_the_results(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(report, "PAGE", tmp_path / "PERFORMANCE.md")
    (tmp_path / "results").mkdir()
    saved = result([["640x480, 1 face", "21.1 / 21.5", "5.9 / 16.3", "37.5 / 39.0"]])
    (tmp_path / "results" / "pipeline.json").write_text(json.dumps(saved))
    readme = tmp_path / "README.md"
    readme.write_text(f"# App\n\n{report.SUMMARY_START}\nold\n{report.SUMMARY_END}\n\nmore\n")
    monkeypatch.setattr(report, "README", readme)
    assert report.main([]) == 0
    page = (tmp_path / "PERFORMANCE.md").read_text()
    assert "| one 640x480 frame, one face (mean ms): webcam / photo path | 5.9 / 21.1 | 37.5 | - |" in page
    assert "Not measured yet: `python benchmarks/accuracy.py`" in page
    text = readme.read_text()
    assert "old" not in text and "| 5.9 / 21.1 | 37.5 |" in text and text.endswith("more\n")


def test_an_unknown_benchmark_name_is_refused_with_the_choices():
    with pytest.raises(SystemExit, match="choose from all"):
        report.selected(["nonsense"])
    assert [s.name for s in report.selected(["pipeline", "speed"])][0] == "pipeline"


def test_every_section_has_a_script():
    for section in report.SECTIONS:
        if section.group != "outside":
            assert (report.REPO / section.command[1]).is_file(), section.command[1]


def test_the_committed_page_and_readme_summary_are_what_the_report_writes():
    """Nobody edits docs/PERFORMANCE.md or the README's table by hand: both are the saved results laid out."""
    results = {section.name: report.load(section.name) for section in report.SECTIONS}
    model_sha = report.sha256_file(report.REPO / "models" / "emotion_cnn.keras")
    assert report.PAGE.read_text() == report.page(results, model_sha), "run python -m benchmarks.report"
    block = f"{report.SUMMARY_START}\n{report.summary(results)}\n{report.SUMMARY_END}"
    assert block in report.README.read_text(), "run python -m benchmarks.report"
    assert "**Stale:**" not in report.PAGE.read_text(), "re-run python -m benchmarks.report --run model"


def test_a_pipe_in_a_cell_does_not_split_it():
    """classifier.py's "max |diff|" column once broke its table into an extra column."""
    assert report.markdown_table(["max |diff|"], [["0.1"]]).splitlines()[0] == "| max \\|diff\\| |"
