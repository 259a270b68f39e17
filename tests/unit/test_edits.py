"""Which editor and shell F4 and Ctrl+O run."""

import pytest

from stowtui.edits import editor_command, shell_command
from stowtui.managers.exceptions import StowError


def test_visual_then_editor_then_vi_then_nano(tmp_path):
    (tmp_path / "nano").write_text("")
    (tmp_path / "nano").chmod(0o755)
    path = str(tmp_path)
    assert editor_command({"VISUAL": "code -w", "EDITOR": "vim", "PATH": path}) == ["code", "-w"]
    assert editor_command({"VISUAL": " ", "EDITOR": "vim", "PATH": path}) == ["vim"]
    assert editor_command({"PATH": path}) == ["nano"]  # no vi on this PATH
    with pytest.raises(StowError, match="set \\$EDITOR"):
        editor_command({"PATH": str(tmp_path / "nothing")})
    with pytest.raises(StowError, match="cannot be read"):
        editor_command({"EDITOR": "'unclosed", "PATH": path})


def test_shell_is_the_users_or_sh():
    assert shell_command({"SHELL": "/bin/zsh"}) == ["/bin/zsh"]
    assert shell_command({}) == ["/bin/sh"]
