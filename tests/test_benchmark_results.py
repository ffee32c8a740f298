"""`./dev bench` replaces the generated table of benchmarks/results.md and keeps the hand-written sections."""

from benchmarks.throughput import write_results


def test_a_new_run_replaces_the_table_and_keeps_hand_written_sections(tmp_path):
    path = tmp_path / "results.md"
    write_results(path, "# Results\n\n| old table |\n")
    assert path.read_text() == "# Results\n\n| old table |\n"
    path.write_text(path.read_text() + "\n## Loader A/B (by hand)\n\n| run | old | new |\n")
    write_results(path, "# Results\n\n| new table |\n")
    assert path.read_text() == "# Results\n\n| new table |\n\n## Loader A/B (by hand)\n\n| run | old | new |\n"
