"""`knee-coach sandbox` driven through a pseudo-terminal, as a person would use it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pytest

pytestmark = pytest.mark.process


def test_sandbox_answers_start_and_quits(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot.cli", "sandbox"],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        timeout=60,
    )
    try:
        child.expect("Knee Coach sandbox")
        child.expect("you> ")
        child.sendline("/start")
        child.expect("bot: [^\n]*Knee Coach")
        child.expect("you> ")
        child.sendline("/help")
        child.expect("/start - ")
        child.expect("you> ")
        child.sendline("/quit")
        child.expect("Bye!")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert (tmp_path / "data" / "sandbox.db").exists()
