"""Editing on the console, run as a real process: /edit a file or a result, /vary N, and
bad input that costs nothing."""

import io
import sqlite3

from PIL import Image

from tests.unit.test_console import books, run_cli


def test_edit_a_file_vary_a_result_and_refuse_bad_input(tmp_path):
    picture = tmp_path / "cat.jpg"
    Image.new("RGB", (120, 80), (30, 160, 90)).save(picture, "JPEG")
    (tmp_path / "notes.txt").write_text("not a picture")
    lines = [
        "/imagine a fox --model flux-pro",  # 5 → result 1
        "/vary 1",  # flux-pro edit price 7 → result 2
        "/vary 2 strong",  # 7 → result 3
        f"/edit {picture} make the sky purple",  # intent-routed edit → result 4
        "/edit 1 make the fox blue",  # edit of result 1 on flux-pro: 7 → result 5
        "/edit notes.txt make it blue",  # not a picture: free
        "/edit missing.png make it blue",  # unreadable path: free
        "/vary 99",  # no such result: free
        "/edit 1",  # no instruction: free
        "/edit 1 make it red --model bitdance",  # BitDance cannot edit: free, names an editor
        "/edit 1 make it red --ar 16:9",  # an option an edit has no use for: free
        "/edit 1 make it red --model flux-2-klein",  # klein's edit price: 2 → result 6
        "/balance",
    ]
    out = run_cli(tmp_path, "console", "--out", "pics", stdin="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "/vary 1" in text and "Vary (7 credits)" in text and "Edit (7 credits)" in text
    assert "Variation of " in text and "Strong variation of " in text
    assert "Edit of your picture." in text
    assert "is not a picture I can read" in text
    assert "I can't read the file `missing.png`" in text
    assert "There is no result 99 yet" in text
    assert "Tell me what to change" in text
    assert "BitDance cannot edit pictures." in text
    assert "`--ar` does not apply to an edit" in text
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        jobs = conn.execute("SELECT kind, parent_id, cost, status FROM jobs ORDER BY created_at"
                            ).fetchall()
        stored = conn.execute("SELECT COUNT(*) FROM job_images").fetchone()[0]
    kinds = [j[0] for j in jobs]
    assert kinds == ["generate", "vary", "vary_strong", "edit", "edit", "edit"]
    assert all(j[3] == "succeeded" for j in jobs) and stored == 5
    assert jobs[-1][2] == 2  # the model named with --model, at its edit price
    spent = sum(j[2] for j in jobs)
    assert f"You have {50 - spent} credits." in text
    assert books(tmp_path) == (50 - spent, 50 - spent)
    saved = sorted((tmp_path / "pics").iterdir())
    assert len(saved) == 6
    with Image.open(io.BytesIO(saved[0].read_bytes())) as first:
        assert first.width > 0
