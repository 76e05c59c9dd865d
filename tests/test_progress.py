"""Progress where standard output is a file or a pipe: a few plain lines, no carriage returns or
colour codes (on a terminal, Keras's bar is kept)."""

import os
import pty
import re
import subprocess
import sys

from common import progress
from conftest import BACKEND, ROOT, extended, run_python

LINE = re.compile(r"epoch (\d+)/(\d+) \((\d+)%\): loss [\d.]+, \d+ s")


def test_a_run_shows_a_plain_line_at_each_quarter(capsys):
    shown = progress.Progress(1000)
    assert shown.bar is None, "pytest's captured stdout is not a terminal"
    for done in range(1, 1001):
        shown.update(done, 0.5)
    lines = capsys.readouterr().out.splitlines()
    assert [LINE.fullmatch(line).group(1) for line in lines] == ["250", "500", "750", "1000"]


def test_fit_gets_the_same_lines_and_keras_stays_silent(capsys):
    verbose, callbacks = progress.for_fit(8, quiet=False)
    assert verbose == 0 and [type(c) for c in callbacks] == [progress.ProgressLines]
    for epoch in range(8):
        callbacks[0].on_epoch_end(epoch, {"loss": 0.25})
    assert len(capsys.readouterr().out.splitlines()) == progress.MARKS
    assert progress.for_fit(8, quiet=True) == (0, [])


def test_a_script_piped_to_a_file_writes_plain_progress_lines():
    result = run_python(ROOT / "addition_mlp.py", "--epochs", "12", "--examples", "20", "--loop", "plain")
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stdout and "\x1b" not in result.stdout
    lines = [line for line in result.stdout.splitlines() if LINE.fullmatch(line)]
    assert [LINE.fullmatch(line).group(1) for line in lines] == ["3", "6", "9", "12"]
    assert result.stdout.index(lines[-1]) < result.stdout.index("Trained 12 epochs")


@extended
def test_on_a_terminal_the_bar_is_keras_own():
    """The control: with a terminal as standard output, Keras's bar redraws itself in place."""
    leader, follower = pty.openpty()
    environment = dict(os.environ, KERAS_BACKEND=BACKEND, PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, str(ROOT / "addition_mlp.py"), "--epochs", "12", "--examples", "20",
                                "--loop", "plain"], cwd=ROOT, env=environment, stdout=follower,
                               stderr=subprocess.DEVNULL)
    os.close(follower)
    written = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        written += chunk
    assert process.wait(timeout=600) == 0
    os.close(leader)
    text = written.decode(errors="replace")
    assert "\r" in text and "\x1b[" in text and "Trained 12 epochs" in text
    assert not LINE.search(text), "no plain progress lines on a terminal"
