"""dbt's target folders: one per deployment, removed once its warehouse's folder is gone."""

from orchestration.settings import resolve_paths
from orchestration.warehouse_assets import OWNER_FILE, claim_target_path


def _paths(folder):
    return resolve_paths({"DEAN5299_WAREHOUSE": str(folder / "warehouse" / "dean5299.duckdb")})


def test_a_deployment_whose_folder_is_gone_loses_its_target_folder(tmp_path) -> None:
    kept_home, gone_home = tmp_path / "kept", tmp_path / "gone"
    (kept_home / "warehouse").mkdir(parents=True)
    (gone_home / "warehouse").mkdir(parents=True)
    kept = claim_target_path(_paths(kept_home))
    gone = claim_target_path(_paths(gone_home))
    assert (kept / OWNER_FILE).read_text(encoding="utf-8") == str(kept_home / "warehouse")
    (gone / "partial_parse.msgpack").write_bytes(b"x")
    for child in (gone_home / "warehouse").iterdir():
        child.unlink()
    (gone_home / "warehouse").rmdir()

    mine_home = tmp_path / "mine"
    (mine_home / "warehouse").mkdir(parents=True)
    mine = claim_target_path(_paths(mine_home))

    assert mine.is_dir() and kept.is_dir()
    assert not gone.exists()
