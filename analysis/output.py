"""Writing outputs so that a failure never leaves half of them: every target is checked before
anything is written, files are written to a temporary name and renamed into place, and a plots
folder is built beside the old one and swapped in whole (so it holds only the new plots)."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


class OutputError(ValueError):
    """An output path that cannot be written; the message names it."""


def _mode(full: int) -> int:
    """`full` less the process umask: what open() / mkdir() would have given (temporary files
    and folders are created private)."""
    mask = os.umask(0)
    os.umask(mask)
    return full & ~mask


def check_file_target(path: Path) -> None:
    """`path` can be replaced by a regular file: it is absent or a regular file (not a folder,
    link, FIFO or device), and its folder exists and is writable."""
    path = Path(path)
    if path.is_symlink():
        raise OutputError(f"{path}: is a symbolic link; refusing to replace it (remove it or choose another path)")
    if path.exists() and not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise OutputError(f"{path}: exists and is {kind}; refusing to replace it (remove it or choose another path)")
    check_folder_writable(path.parent)


def check_folder_writable(folder: Path) -> None:
    folder = Path(folder)
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a folder"
        raise OutputError(f"{folder}: {what}; cannot write into it")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{folder}: not writable")


def prepare_out_folder(folder) -> Path:
    """The output folder, created (with its parents) when absent; OutputError when it is
    something else than a folder."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: exists and is not a folder; cannot write into it")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"{folder}: cannot create the folder: {e.strerror or e}")
    return folder


def check_plots_target(plots_dir: Path, suffix: str = ".png") -> None:
    """`plots_dir` can be replaced by a new folder of plots: absent, or a real folder that holds
    only `suffix` files (which are this tool's plots and may be replaced; anything else is not
    ours to delete)."""
    plots_dir = Path(plots_dir)
    if plots_dir.is_symlink() or (plots_dir.exists() and not plots_dir.is_dir()):
        raise OutputError(f"{plots_dir}: exists and is not a folder; refusing to replace it "
                          f"(remove or rename it, then run again)")
    if plots_dir.is_dir():
        foreign = sorted(p.name for p in plots_dir.iterdir() if not (p.is_file() and p.name.endswith(suffix)))
        if foreign:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise OutputError(f"{plots_dir}: holds entries that are not {suffix} plots ({shown}); the report "
                              f"replaces the whole folder, so move them away first")
    check_folder_writable(plots_dir.parent)


def write_text_atomic(path: Path, text: str) -> Path:
    """Writes `text` to a temporary file beside `path`, then renames it over `path`."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _mode(0o666))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def replace_with(path: Path, draw) -> Path:
    """Has `draw(tmp)` write a temporary file beside `path` (e.g. a plot), then renames it over
    `path`."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        draw(Path(tmp))
        os.chmod(tmp, _mode(0o666))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def new_plots_folder(plots_dir: Path) -> Path:
    """An empty temporary folder beside `plots_dir` to draw into (see swap_in_plots)."""
    return Path(tempfile.mkdtemp(prefix=f".{plots_dir.name}.new.", dir=plots_dir.parent))


def swap_in_plots(new_dir: Path, plots_dir: Path) -> None:
    """Replaces `plots_dir` with `new_dir`: the old plots (stale ones included) go away."""
    old = None
    if plots_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{plots_dir.name}.old.", dir=plots_dir.parent))
        os.replace(plots_dir, old / plots_dir.name)
    try:
        os.chmod(new_dir, _mode(0o777))
        os.replace(new_dir, plots_dir)
    except BaseException:
        if old is not None:  # put the old plots back
            os.replace(old / plots_dir.name, plots_dir)
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
