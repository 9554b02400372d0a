"""Static checks that app/ and ui/ run on Windows as well as Linux (nothing here runs on Windows).

Flags: POSIX-only modules and calls outside a platform guard, text files opened without an
explicit encoding (Russian Windows would read UTF-8 data as cp1251), and hard-coded POSIX paths.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POSIX_MODULES = {"fcntl", "termios", "tty", "pty", "pwd", "grp", "resource", "posix", "crypt", "syslog"}
POSIX_CALLS = {"fork", "forkpty", "getuid", "geteuid", "getgid", "setsid", "killpg", "getpgid", "chown", "lchown",
               "chmod", "mkfifo", "symlink", "getloadavg", "sync"}
POSIX_SIGNALS = {"SIGKILL", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGCHLD", "SIGPIPE", "SIGQUIT", "SIGSTOP"}
POSIX_PATH_PREFIXES = ("/tmp", "/home/", "/usr/", "/etc/", "/var/", "/dev/", "/media/", "/mnt/", "~/")


def _sources() -> list[Path]:
    return sorted(p for d in ("app", "ui") for p in (ROOT / d).rglob("*.py") if "__pycache__" not in p.parts)


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Inside `if sys.platform ...`/`if os.name ...`, or a try that catches ImportError/AttributeError."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If | ast.IfExp) and any(s in ast.unparse(node.test) for s in ("sys.platform", "os.name")):
            return True
        if isinstance(node, ast.Try) and any(
                h.type is not None and any(n in ast.unparse(h.type) for n in ("ImportError", "AttributeError",
                                                                              "ModuleNotFoundError", "OSError"))
                for h in node.handlers):
            return True
    return False


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    rel = path.relative_to(ROOT).as_posix()
    out = []
    for node in ast.walk(tree):
        where = f"{rel}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            bad = [n for n in names if n.split(".")[0] in POSIX_MODULES]
            if bad and not _guarded(node, parents):
                out.append(f"{where}: POSIX-only module {bad[0]} (guard it with sys.platform)")
        elif isinstance(node, ast.Attribute):
            base = ast.unparse(node.value)
            if base == "os" and node.attr in POSIX_CALLS and not _guarded(node, parents):
                out.append(f"{where}: os.{node.attr} is POSIX-only or a no-op on Windows (guard it)")
            if base == "signal" and node.attr in POSIX_SIGNALS and not _guarded(node, parents):
                out.append(f"{where}: signal.{node.attr} does not exist on Windows")
        elif isinstance(node, ast.Call):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
            kw = {k.arg for k in node.keywords}
            if name in ("read_text", "write_text") and "encoding" not in kw:
                out.append(f"{where}: {name}() without encoding= (cp1251 on Russian Windows)")
            if name == "open" and not (isinstance(fn, ast.Attribute) and ast.unparse(fn.value) == "os"):
                # builtin open(path, mode) or Path.open(mode); Station.open(db) passes a non-mode argument
                args = node.args[1:] if isinstance(fn, ast.Name) else node.args
                mode = args[0] if args else next((k.value for k in node.keywords if k.arg == "mode"), None)
                is_mode = mode is None or (isinstance(mode, ast.Constant) and isinstance(mode.value, str)
                                           and set(mode.value) <= set("rwaxbt+"))
                # x.open() with no mode is ambiguous (QDialog.open(), QFile.open()): only builtin open() counts
                if is_mode and (mode is None or "b" not in mode.value) and "encoding" not in kw \
                        and (isinstance(fn, ast.Name) or mode is not None):
                    out.append(f"{where}: open() in text mode without encoding= (cp1251 on Russian Windows)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(
                POSIX_PATH_PREFIXES) and not _guarded(node, parents):
            out.append(f"{where}: hard-coded POSIX path {node.value!r} (use app.paths / tempfile)")
    return out


def test_app_and_ui_have_no_posix_only_code():
    problems = [p for f in _sources() for p in _problems(f)]
    assert not problems, "not portable to Windows:\n" + "\n".join(problems)


def test_the_checker_catches_what_it_should(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import fcntl\nimport os, signal, sys\nos.chmod('x', 0o600)\nsignal.SIGKILL\n"
                   "open('f.txt')\nfrom pathlib import Path\nPath('x').read_text()\np = '/tmp/x'\n"
                   "if sys.platform != 'win32':\n    os.chmod('y', 0o600)\n"
                   "open('g.txt', 'rb')\nopen('h.txt', encoding='utf-8')\nStation.open(db)\nPath('a').open('rb')\ndlg.open()\nPath('b').open('w')\n", encoding="utf-8")
    import tests.dist.test_windows_ready as me

    old = me.ROOT
    me.ROOT = tmp_path
    try:
        got = me._problems(bad)
    finally:
        me.ROOT = old
    assert sorted(int(g.split(":")[1]) for g in got) == [1, 3, 4, 5, 7, 8, 16], got
