"""Editing and saving models.yaml: atomic writes, kept header, quoting, merges and conflicts,
change notifications."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from videorecs_widgets.errors import (
    RegistryConflictError,
    RegistryError,
    RegistryValidationError,
    UnknownModelError,
)
from videorecs_widgets.registry import DuplicateModelWarning, ModelRegistry, ModelSpec
from videorecs_widgets.registry_file import DEFAULT_HEADER

LOCAL = "arn:aws:personalize:local:000000000000:campaign/"
RECS = ModelSpec("Recs", LOCAL + "recs", "recommendations", 1)
SIMS = ModelSpec("Sims", LOCAL + "sims", "similar-items", 1, "SIMS on the lab data")
RANK = ModelSpec("Rank", LOCAL + "rank", "personal-ranking", 2)

TWO_MODELS = """\
# My own header: the lab's models.
# (kept on save)

models:
  - name: Recs  # an inline comment, not kept
    arn: arn:aws:personalize:local:000000000000:campaign/recs
    type: recommendations
    sort_order: 1
  - name: Sims
    arn: arn:aws:personalize:local:000000000000:campaign/sims
    type: similar-items
    sort_order: 1
    description: SIMS on the lab data
"""


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "models.yaml"
    p.write_text(TWO_MODELS, encoding="utf-8")
    return p


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "models.yaml")


# ------------------------------------------------------------------------- edits and saving


def test_add_saves_at_once_with_header_kept_and_stable_order(path):
    registry = ModelRegistry(path)
    registry.add(RANK)
    assert path.read_text() == textwrap.dedent("""\
        # My own header: the lab's models.
        # (kept on save)

        models:
          - name: Recs
            arn: arn:aws:personalize:local:000000000000:campaign/recs
            type: recommendations
            sort_order: 1

          - name: Rank
            arn: arn:aws:personalize:local:000000000000:campaign/rank
            type: personal-ranking
            sort_order: 2

          - name: Sims
            arn: arn:aws:personalize:local:000000000000:campaign/sims
            type: similar-items
            sort_order: 1
            description: SIMS on the lab data
        """)
    assert ModelRegistry(path).models == [RECS, RANK, SIMS]
    assert not registry.dirty
    assert leftovers(path.parent) == []


def test_save_new_file_writes_default_header(tmp_path):
    path = tmp_path / "models.yaml"
    registry = ModelRegistry(path)
    registry.add(RECS)
    text = path.read_text()
    assert text.startswith(DEFAULT_HEADER + "\nmodels:\n  - name: Recs\n")
    assert "#   sort_order:  whole number" in text
    assert oct(path.stat().st_mode & 0o777) == "0o644"


def test_save_file_without_header_gets_default_header(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text(TWO_MODELS.split("\n", 3)[3])  # drop the comment lines
    ModelRegistry(path).remove("Sims")
    assert path.read_text() == (DEFAULT_HEADER + "\nmodels:\n  - name: Recs\n    arn: "
                                f"{RECS.arn}\n    type: recommendations\n    sort_order: 1\n")


def test_remove_last_model_writes_empty_list(path):
    registry = ModelRegistry(path)
    registry.remove("Recs")
    registry.remove("Sims")
    assert path.read_text().endswith("(kept on save)\n\nmodels: []\n")
    assert ModelRegistry(path).models == []


def test_save_quotes_values_yaml_would_misread(tmp_path):
    path = tmp_path / "models.yaml"
    registry = ModelRegistry(path)
    tricky = [
        ModelSpec("no", LOCAL + "a", "recommendations", 1, "10:20"),
        ModelSpec("0123", LOCAL + "b", "recommendations", 2, "1e3"),
        ModelSpec("y", LOCAL + "c", "recommendations", 3, "~"),
        ModelSpec("On: air #1", LOCAL + "d", "recommendations", 4, "two\nlines"),
    ]
    for spec in tricky:
        registry.add(spec, save=False)
    registry.save()
    body = path.read_text().split("models:\n", 1)[1]
    names = [line for line in body.splitlines() if "name:" in line or "description:" in line]
    assert names == [
        "  - name: 'no'", "    description: '10:20'",
        "  - name: '0123'", "    description: '1e3'",
        "  - name: 'y'", "    description: '~'",
        "  - name: 'On: air #1'", '    description: "two\\nlines"',
    ]
    assert ModelRegistry(path).models == tricky


def test_update_fields_and_rename(path):
    registry = ModelRegistry(path)
    new = registry.update("Sims", name="Similar films", sort_order=5, description=None)
    assert new == ModelSpec("Similar films", SIMS.arn, "similar-items", 5)
    assert ModelRegistry(path).names == ["Recs", "Similar films"]
    assert "description" not in path.read_text()


def test_update_refusals_leave_file_identical(path):
    registry = ModelRegistry(path)
    before = path.read_bytes()
    with pytest.raises(RegistryValidationError, match=r"Cannot update model 'Sims' in .*: "
                       r"unknown field\(s\) 'recipe'; a model has name, arn"):
        registry.update("Sims", recipe="aws-sims")
    with pytest.raises(RegistryValidationError, match="Cannot rename model 'Sims' to 'Recs'"):
        registry.update("Sims", name="Recs")
    with pytest.raises(RegistryValidationError, match="Cannot update model 'Sims' in .*: Invalid "
                       "model 'Sims': sort_order False is a bool, not a whole number"):
        registry.update("Sims", sort_order=False)
    with pytest.raises(UnknownModelError, match="No model named 'Nope'"):
        registry.update("Nope", sort_order=1)
    with pytest.raises(UnknownModelError):
        registry.remove("Nope")
    assert path.read_bytes() == before
    assert registry.models == [RECS, SIMS]


def test_add_existing_name_refused(path):
    registry = ModelRegistry(path)
    before = path.read_bytes()
    with pytest.raises(RegistryValidationError) as info:
        registry.add(ModelSpec("Recs", LOCAL + "other", "recommendations", 9))
    assert str(info.value) == (
        f"Cannot add model 'Recs' to {path}: a model with that name exists already; pick "
        "another name, or update that model."
    )
    assert path.read_bytes() == before


@pytest.mark.parametrize(("name", "existing"), [("RECS", "Recs"), ("recs", "Recs"),
                                                ("sims", "Sims")])
def test_add_name_equal_but_for_case_refused_naming_the_model(path, name, existing):
    registry = ModelRegistry(path)
    before = path.read_bytes()
    with pytest.raises(RegistryValidationError) as info:
        registry.add(ModelSpec(name, LOCAL + "other", "recommendations", 9))
    assert str(info.value) == (
        f"Cannot add model {name!r} to {path}: model {existing!r} exists already, and names "
        "that differ only in letter case, Unicode form or spacing would look the same; pick "
        f"another name, or update {existing!r}."
    )
    assert path.read_bytes() == before


def test_add_nfd_form_of_an_existing_nfc_name_refused(tmp_path):
    registry = ModelRegistry(tmp_path / "models.yaml")
    registry.add(ModelSpec("Caf\u00e9", LOCAL + "a", "recommendations", 1))
    with pytest.raises(RegistryValidationError, match="model 'Café' exists already"):
        registry.add(ModelSpec("Cafe\u0301", LOCAL + "b", "recommendations", 2))
    assert registry.names == ["Caf\u00e9"]


def test_rename_to_a_look_alike_of_another_model_refused_but_own_case_change_allowed(path):
    registry = ModelRegistry(path)
    with pytest.raises(RegistryValidationError) as info:
        registry.update("Recs", name="SIMS")
    assert str(info.value) == (
        f"Cannot rename model 'Recs' to 'SIMS' in {path}: model 'Sims' exists already, and names "
        "that differ only in letter case, Unicode form or spacing would look the same."
    )
    registry.update("Sims", name="SIMS")
    assert registry.names == ["Recs", "SIMS"]


def test_add_same_arn_and_type_warns(path):
    registry = ModelRegistry(path)
    with pytest.warns(DuplicateModelWarning, match="models 'Recs' and 'Recs copy' have the same "
                      "ARN"):
        registry.add(ModelSpec("Recs copy", RECS.arn, "recommendations", 2))
    assert len(registry.warnings) == 1


def test_same_arn_pair_warns_once_though_an_edit_rewords_it(path):
    with path.open("a", encoding="utf-8") as f:
        f.write("  - name: Recs copy\n    arn: " + RECS.arn
                + "\n    type: recommendations\n    sort_order: 2\n")
    with pytest.warns(DuplicateModelWarning) as caught:
        registry = ModelRegistry(path)
    assert len(caught) == 1 and ", line 14: models 'Recs' (line 5) and 'Recs copy'" in str(
        caught[0].message)
    # After an edit the pair is described without file lines: the same slip, so no second
    # warning (warnings are errors in this test run).
    registry.update("Recs copy", sort_order=3)
    assert registry.warnings == [
        f"Registry {path}: models 'Recs' and 'Recs copy' have the same ARN {RECS.arn!r} and "
        "type 'recommendations'; both will show the same results"
    ]


def test_edits_with_save_false_wait_for_save(path):
    registry = ModelRegistry(path)
    before = path.read_bytes()
    registry.add(RANK, save=False)
    registry.update("Recs", sort_order=3, save=False)
    registry.remove("Sims", save=False)
    assert registry.dirty
    assert path.read_bytes() == before
    assert registry.names == ["Recs", "Rank"]
    registry.save()
    assert not registry.dirty
    assert ModelRegistry(path).models == [ModelSpec("Recs", RECS.arn, "recommendations", 3),
                                          RANK]


def test_revert_drops_unsaved_edits(path):
    registry = ModelRegistry(path)
    registry.remove("Sims", save=False)
    assert registry.revert() is True
    assert registry.models == [RECS, SIMS] and not registry.dirty


def test_save_without_changes_does_not_rewrite(path):
    registry = ModelRegistry(path)
    mtime = path.stat().st_mtime_ns
    registry.save()
    assert path.stat().st_mtime_ns == mtime
    assert path.read_text() == TWO_MODELS  # comments included: nothing was written


def test_save_keeps_the_files_crlf_line_endings_throughout(tmp_path):
    lf, crlf = tmp_path / "lf.yaml", tmp_path / "crlf.yaml"
    lf.write_bytes(TWO_MODELS.encode())
    crlf.write_bytes(TWO_MODELS.replace("\n", "\r\n").encode())
    for p in (lf, crlf):
        ModelRegistry(p).add(RANK)
    data = crlf.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 10  # header and models alike
    assert data == lf.read_bytes().replace(b"\n", b"\r\n")
    assert data.startswith(b"# My own header: the lab's models.\r\n# (kept on save)\r\n\r\n")
    assert ModelRegistry(crlf).models == ModelRegistry(lf).models


def test_save_keeps_file_mode_and_symlink(tmp_path):
    real = tmp_path / "real.yaml"
    real.write_text(TWO_MODELS)
    real.chmod(0o640)
    link = tmp_path / "models.yaml"
    link.symlink_to(real)
    ModelRegistry(link).add(RANK)
    assert link.is_symlink()
    assert oct(real.stat().st_mode & 0o777) == "0o640"
    assert ModelRegistry(real).names == ["Recs", "Rank", "Sims"]


# ---------------------------------------------------------- failed saves change nothing


def test_failed_save_invalid_file_on_disk_leaves_it_identical(path):
    registry = ModelRegistry(path)
    broken = TWO_MODELS.replace("sort_order: 1\n  - name: Sims", "sort_order: 010\n  - name: Sims")
    path.write_text(broken)
    before = path.read_bytes()
    with pytest.raises(RegistryValidationError, match=r"line 8: sort_order 010 reads as the "
                       r"number 8 \(a YAML 1.1 octal number\)"):
        registry.add(RANK)
    assert path.read_bytes() == before
    assert registry.names == ["Recs", "Sims"]  # the edit was undone
    assert leftovers(path.parent) == []


_WRITE_ERROR_SCRIPT = """
import resource, signal, sys
from videorecs_widgets.errors import RegistryError
from videorecs_widgets.registry import ModelRegistry, ModelSpec

registry = ModelRegistry(sys.argv[1])
# A real write error: the file-size limit makes write() fail with EFBIG once the new text
# grows past it (the old file is smaller than the limit).
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    registry.add(ModelSpec("Rank", "arn:aws:personalize:local:000000000000:campaign/rank",
                           "personal-ranking", 2, "x" * 200))
except RegistryError as exc:
    print(type(exc).__name__, exc)
    print("names", registry.names)
"""


def test_failed_save_write_error_leaves_file_identical_and_no_temp_file(path):
    before = path.read_bytes()
    result = subprocess.run(
        [sys.executable, "-c", _WRITE_ERROR_SCRIPT, str(path), str(len(before) + 50)],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent,
    )
    first, second = result.stdout.splitlines()
    assert first.startswith(f"RegistryError Could not save registry {path}: File too large")
    assert first.endswith("the file was left as it was.")
    assert second == "names ['Recs', 'Sims']"
    assert path.read_bytes() == before
    assert leftovers(path.parent) == []


def test_save_into_a_folder_gone_since_loading_says_so(tmp_path):
    folder = tmp_path / "nodir"
    folder.mkdir()
    registry = ModelRegistry(folder / "new.yaml")
    folder.rmdir()
    with pytest.raises(RegistryError) as info:
        registry.add(RANK)
    assert str(info.value) == (
        f"Could not save registry {folder / 'new.yaml'}: the folder {str(folder)!r} does not "
        "exist; nothing was written."
    )
    assert registry.names == []


def test_failed_rename_names_the_registry_file_not_the_temporary_one(path, monkeypatch):
    import errno

    def cross_device(src, dst):
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), src, None, dst)

    before = path.read_bytes()
    monkeypatch.setattr(os, "replace", cross_device)
    with pytest.raises(RegistryError) as info:
        ModelRegistry(path).add(RANK)
    assert str(info.value) == (
        f"Could not save registry {path}: {os.strerror(errno.EXDEV)} (while replacing "
        "models.yaml); the file was left as it was."
    )
    assert path.read_bytes() == before
    assert leftovers(path.parent) == []


def test_save_read_only_file_refused_and_left_as_it_was(path):
    # A rename over the file needs only the folder's write permission, so the save itself must
    # respect the file's mode; the test runs as root too, where os.access says yes to everything.
    before = path.read_bytes()
    path.chmod(0o444)
    registry = ModelRegistry(path)
    with pytest.raises(RegistryError) as info:
        registry.add(RANK)
    assert str(info.value) == (
        f"Could not save registry {path}: models.yaml is read-only (mode r--r--r--); make it "
        "writable (chmod u+w) to save changes. The file was left as it was."
    )
    assert path.read_bytes() == before
    assert path.stat().st_mode & 0o777 == 0o444
    assert registry.names == ["Recs", "Sims"]
    assert leftovers(path.parent) == []


# ----------------------------------------------------------- concurrent edits: merge / refuse


def test_concurrent_edits_of_different_models_merge(path):
    first, second = ModelRegistry(path), ModelRegistry(path)
    first.add(RANK)
    seen = []
    second.observe(lambda reg: seen.append(reg.names))
    second.update("Sims", sort_order=7)
    merged = [RECS, RANK, ModelSpec("Sims", SIMS.arn, "similar-items", 7, SIMS.description)]
    assert ModelRegistry(path).models == merged
    assert second.models == merged  # the other registry's model arrived with the merge
    assert seen == [["Recs", "Rank", "Sims"]]
    assert first.reload() is True and first.models == merged


def test_concurrent_edits_of_same_model_refused_naming_it(path):
    first, second = ModelRegistry(path), ModelRegistry(path)
    first.update("Sims", sort_order=2)
    on_disk = path.read_bytes()
    with pytest.raises(RegistryConflictError) as info:
        second.update("Sims", sort_order=3)
    assert str(info.value) == (
        f"Registry {path} changed on disk since it was loaded, and that change and the edits "
        "here both touch model 'Sims'; nothing was written. Call revert() to load the file's "
        "version, then make the edit again."
    )
    assert path.read_bytes() == on_disk
    assert second.get("Sims").sort_order == 1  # edit undone, registry still as loaded
    assert second.revert() is True and second.get("Sims").sort_order == 2


def test_concurrent_rename_conflicts_with_edit_of_old_name(path):
    first, second = ModelRegistry(path), ModelRegistry(path)
    first.remove("Recs")
    with pytest.raises(RegistryConflictError, match="touch model 'Recs'"):
        second.update("Recs", name="Recommended")


def test_concurrent_identical_edits_do_not_conflict(path):
    first, second = ModelRegistry(path), ModelRegistry(path)
    first.remove("Sims")
    second.remove("Sims")
    assert ModelRegistry(path).names == ["Recs"]


def test_concurrent_saves_from_threads_lose_nothing(tmp_path):
    path = tmp_path / "models.yaml"
    registries = [ModelRegistry(path), ModelRegistry(path)]

    def add_many(index: int) -> None:
        for i in range(8):
            registries[index].add(
                ModelSpec(f"T{index}-{i}", f"{LOCAL}t{index}-{i}", "recommendations", i)
            )

    threads = [threading.Thread(target=add_many, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ModelRegistry(path)) == 16


# ------------------------------------------------------------------ reload and observers


def test_reload_picks_up_outside_edit_and_notifies(path):
    registry = ModelRegistry(path)
    calls = []
    registry.observe(lambda reg: calls.append(reg.names))
    assert registry.reload() is False
    path.write_text(TWO_MODELS.replace("name: Sims", "name: Similar"))
    assert registry.reload() is True
    assert registry.names == ["Recs", "Similar"]
    assert calls == [["Recs", "Similar"]]
    assert registry.reload() is False


def test_reload_same_content_rewritten_is_no_change(path):
    registry = ModelRegistry(path)
    registry.observe(lambda reg: pytest.fail("no change expected"))
    path.write_text(TWO_MODELS)  # new mtime, same bytes
    os.utime(path, ns=(1, 1))
    assert registry.reload() is False
    path.write_text(TWO_MODELS.replace("# (kept on save)", "# (a comment changed)"))
    assert registry.reload() is False  # the models did not change


def test_reload_sees_same_size_edit_within_timestamp_granularity(path):
    registry = ModelRegistry(path)
    seen = []
    registry.observe(lambda reg: seen.append(reg.get("Sims").sort_order))
    st = path.stat()
    path.write_text(TWO_MODELS.replace("sort_order: 1\n    description",
                                       "sort_order: 2\n    description"), encoding="utf-8")
    # What a file system with coarse timestamps leaves after a second write in the same tick
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (path.stat().st_mtime_ns, path.stat().st_size) == (st.st_mtime_ns, st.st_size)
    assert registry.reload() is True
    assert seen == [2]


def test_reload_of_a_file_not_written_lately_does_not_read_it(path, monkeypatch):
    import videorecs_widgets.registry as registry_module

    long_ago = path.stat().st_mtime_ns - 10 * 10**9
    os.utime(path, ns=(long_ago, long_ago))
    registry = ModelRegistry(path)

    def no_reading(*args, **kwargs):
        raise AssertionError("reload() read the file")

    monkeypatch.setattr(registry_module, "open", no_reading, raising=False)
    assert registry.reload() is False


def test_reload_keeps_unsaved_edits_of_other_models(path):
    registry = ModelRegistry(path)
    registry.add(RANK, save=False)
    path.write_text(TWO_MODELS.replace("sort_order: 1\n    description", "sort_order: 4\n"
                                       "    description"))
    assert registry.reload() is True
    assert registry.names == ["Recs", "Rank", "Sims"] and registry.get("Sims").sort_order == 4
    assert registry.dirty


def test_reload_of_deleted_file_empties_registry(path):
    registry = ModelRegistry(path)
    path.unlink()
    assert registry.reload() is True and registry.models == []


def test_observers_fire_on_each_edit_and_can_be_removed(path):
    registry = ModelRegistry(path)
    calls = []

    def callback(reg: ModelRegistry) -> None:
        calls.append(reg.names)

    registry.observe(callback)
    registry.observe(callback)  # registering twice still calls once
    registry.add(RANK, save=False)
    registry.remove("Recs")
    registry.observe(callback, remove=True)
    registry.remove("Rank")
    assert calls == [["Recs", "Rank", "Sims"], ["Rank", "Sims"]]


def test_failing_observer_is_logged_and_others_still_run(path, caplog):
    registry = ModelRegistry(path)
    calls = []

    def broken(reg: ModelRegistry) -> None:
        raise RuntimeError("panel is gone")

    registry.observe(broken)
    registry.observe(lambda reg: calls.append(len(reg)))
    with caplog.at_level(logging.ERROR, logger="videorecs_widgets.registry"):
        registry.add(RANK)
    assert calls == [3]
    assert "A registry observer" in caplog.text and "panel is gone" in caplog.text
    assert ModelRegistry(path).names == ["Recs", "Rank", "Sims"]


def test_failed_save_does_not_notify(path):
    registry = ModelRegistry(path)
    calls = []
    registry.observe(lambda reg: calls.append(1))
    path.write_text("models: [")
    with pytest.raises(RegistryValidationError):
        registry.add(RANK)
    assert calls == []


def test_reload_of_invalid_file_raises_and_keeps_models(path):
    registry = ModelRegistry(path)
    path.write_text(TWO_MODELS + "    sort_order: 2\n")
    with pytest.raises(RegistryValidationError, match="line 14: repeats the key 'sort_order' "
                       r"\(first at line 12\)"):
        registry.reload()
    assert registry.models == [RECS, SIMS]
    path.write_text(TWO_MODELS)
    assert registry.reload() is False  # back to what it holds


def test_reload_conflicting_with_unsaved_edit_raises_and_keeps_edit(path):
    registry = ModelRegistry(path)
    registry.update("Sims", sort_order=9, save=False)
    path.write_text(TWO_MODELS.replace("name: Sims", "name: Similar"))
    with pytest.raises(RegistryConflictError, match="both touch model 'Sims'"):
        registry.reload()
    assert registry.get("Sims").sort_order == 9 and registry.dirty


def test_update_description_with_lone_surrogate_is_a_field_error(path):
    before = path.read_bytes()
    registry = ModelRegistry(path)
    with pytest.raises(RegistryValidationError) as info:
        registry.update("Sims", description="a\ud800b")
    assert str(info.value) == (
        f"Cannot update model 'Sims' in {path}: Invalid model 'Sims': description 'a\\ud800b' "
        "holds lone surrogate(s) '\\ud800' (UTF-8 cannot write it) at position 1; a "
        "description is text that may hold line breaks and tabs, but no other control "
        "characters."
    )
    assert path.read_bytes() == before
    assert registry.get("Sims").description == "SIMS on the lab data"


@pytest.mark.parametrize("name", ["Most\u00a0Popular", "\uff2dost Popular", "Most  Popular",
                                  "most popular"])
def test_add_look_alike_of_most_popular_refused(tmp_path, name):
    registry = ModelRegistry(tmp_path / "models.yaml")
    registry.add(ModelSpec("Most Popular", LOCAL + "a", "recommendations", 1))
    assert registry.name_taken(name) == "Most Popular"
    assert registry.name_taken(name, besides="Most Popular") is None
    with pytest.raises(RegistryValidationError, match="model 'Most Popular' exists already, and "
                       "names that differ only in letter case, Unicode form or spacing"):
        registry.add(ModelSpec(name, LOCAL + "b", "recommendations", 2))
    assert registry.names == ["Most Popular"]
