"""Online backup of the SQLite database (the sqlite3 backup API copies a consistent snapshot while
the app keeps serving). PostgreSQL is backed up with ``pg_dump``, which this module points to.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy.engine import Engine

from ..domain.rules import Message

PG_DUMP_HINT = Message(
    "这是 PostgreSQL 数据库：请用 pg_dump 备份，例如 "
    "pg_dump --format=custom --file=orgbuild.dump \"postgresql://USER@HOST:5432/DBNAME\" "
    "（用 pg_restore 恢复）。backup 命令只复制 SQLite 数据库。"
)


class BackupRefused(RuntimeError):
    """The backup cannot be made; the message says why and what to do instead."""


def backup_sqlite(engine: Engine, path: str | os.PathLike) -> Path:
    """Copy the SQLite database behind `engine` to `path` (atomically replaced); return the path.

    The copy is a single self-contained file (rollback journal, not WAL) that passed an integrity check.
    """
    if engine.dialect.name != "sqlite":
        raise BackupRefused(PG_DUMP_HINT if engine.dialect.name == "postgresql" else
                            Message("无法备份 %(dialect)s 数据库，请用该数据库自带的导出工具。", dialect=engine.dialect.name))
    target = Path(path).expanduser().resolve()
    if target.is_dir():
        raise BackupRefused(Message("%(target)s 是一个目录，请给出要写入的备份文件路径。", target=str(target)))
    if not target.parent.is_dir():
        raise BackupRefused(Message("目录 %(folder)s 不存在。", folder=str(target.parent)))
    source_file = engine.url.database
    if source_file and source_file != ":memory:" and Path(source_file).resolve() == target:
        raise BackupRefused(Message("备份路径就是数据库本身，请另选一个文件。"))
    fd, temp_name = tempfile.mkstemp(prefix=".orgbuild-backup-", suffix=".sqlite", dir=target.parent)
    os.close(fd)
    try:
        raw = engine.raw_connection()
        try:
            copy = sqlite3.connect(temp_name)
            try:
                raw.driver_connection.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")
                result = copy.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                copy.close()
        finally:
            raw.close()
        if result != "ok":
            raise BackupRefused(Message("备份副本未通过完整性检查：%(result)s", result=result))
        os.replace(temp_name, target)
    except BaseException:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        raise
    return target


def backup_files(names: list[str], source, target: Path) -> int:
    """Copy the named files (evidence files the database refers to) from `source` (a folder, or an
    attachment storage: attachments/storage.py, e.g. an S3 bucket) into the folder `target`,
    skipping those already copied (stored names are unique and never rewritten); return how many
    files the backup folder holds for these names."""
    target.mkdir(parents=True, exist_ok=True)
    folder = Path(source) if isinstance(source, (str, os.PathLike)) else getattr(source, "folder", None)
    kept = 0
    for name in names:
        copy = target / name
        if folder is not None:
            origin = Path(folder) / name
            if not origin.is_file():
                continue
            if not copy.is_file() or copy.stat().st_size != origin.stat().st_size:
                shutil.copy2(origin, copy)
        elif not copy.is_file():
            data = source.read(name)
            if data is None:
                continue
            copy.write_bytes(data)
        kept += 1
    return kept
