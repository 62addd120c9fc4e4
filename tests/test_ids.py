"""Ids from names in any script: readable ASCII, never empty, never a generic word."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli.main import main
from generator.data.ids import MAX_ID_LENGTH, name_hash
from generator.data.values import ID_PATTERN, slug

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-26"


def old_slug(text: str) -> str:
    """The rule every existing id was made by: it must keep giving the same ids."""
    return re.sub(r"[^a-z0-9._]+", "-", text.lower()).strip("-._")[:60].strip("-._")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("上海测试有限公司", "shanghai-ceshi-youxian-gongsi"),
        ("中国工商银行股份有限公司", "zhongguo-gongshang-yinhang-gufen-youxian-gongsi"),
        ("重庆银行", "chongqing-yinhang"),  # the phrase dictionary reads 重 as chong
        ("绿地集团", "lvdi-jituan"),  # ü is written v
        ("华为 Huawei 2026", "huawei-huawei-2026"),
        ("华为Huawei", "huawei-huawei"),
        ("Müller GmbH", "muller-gmbh"),
        ("Straße 5", "strasse-5"),
        ("Société Générale", "societe-generale"),
        ("Ærø Øst", "aero-ost"),
        ("Łódź Đorđe", "lodz-dorde"),
        ("Þórsmörk ehf.", "thorsmork-ehf"),
        ("Газпром нефть", "gazprom-neft"),
        ("Щука и Ёж", "shchuka-i-ezh"),
        ("Ελληνικά Πετρέλαια", "ellinika-petrelaia"),
        ("삼성전자", "samseongjeonja"),
        ("１２３ＡＢＣ", "123abc"),
        ("Acme 🚀", "acme"),
    ],
)
def test_a_name_in_any_script_gives_a_readable_ascii_id(name: str, expected: str) -> None:
    assert slug(name) == expected
    assert re.fullmatch(ID_PATTERN, expected)


@pytest.mark.parametrize("name", ["شركة الاتصالات", "บริษัท ไทย", "🚀🚀", "!!!", "«—»"])
def test_a_name_nothing_can_be_read_from_gets_a_short_hash(name: str) -> None:
    made = slug(name)
    assert re.fullmatch(r"x-[0-9a-f]{6}", made) and made == name_hash(name)
    assert made != slug(name + " 2")


def test_the_hash_is_the_same_in_another_process() -> None:
    name = "شركة الاتصالات"
    code = f"from generator.data.values import slug; print(slug({name!r}))"
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert other.stdout.strip() == slug(name)


def test_readable_words_keep_the_hash_of_the_part_that_was_not() -> None:
    made = slug("Acme شركة")
    assert made.startswith("acme-x-") and made != slug("Acme مؤسسة")
    assert slug("株式会社トヨタ").startswith("zhushi-huishe-x-")  # kana: no table


@pytest.mark.parametrize("name", ["", "   ", "\u3000"])
def test_a_blank_name_gives_no_id(name: str) -> None:
    assert slug(name) == ""


@pytest.mark.parametrize(
    "name",
    [
        "Pearl River Foods",
        "pearl-river-foods",
        "ACME, Inc. (EMEA)",
        "a.b_c",
        "--x--",
        "Kunde 17 GmbH-Projekt 4",
        "x" * 100,
        "Deal " * 30,
        "Opportunity #42 / Q3",
    ],
)
def test_an_ascii_name_gives_the_id_it_always_gave(name: str) -> None:
    assert slug(name) == old_slug(name)


@pytest.mark.parametrize(
    "name", ["上海" * 40, "Мюллер" * 20, "Ελλάδα " * 20, "x" * 100, "🚀" * 100]
)
def test_a_long_name_is_cut_to_a_whole_word_within_the_limit(name: str) -> None:
    made = slug(name)
    assert 0 < len(made) <= MAX_ID_LENGTH and re.fullmatch(ID_PATTERN, made)


def test_a_long_name_never_ends_in_half_a_word() -> None:
    assert slug("上海" * 40).split("-") == ["shanghai"] * 6
    assert slug("Müller " * 20).split("-") == ["muller"] * 8
    assert slug("Acme " * 20 + "شركة") == "acme-" * 10 + name_hash("Acme " * 20 + "شركة")


def test_funnel_new_gives_a_chinese_title_a_pinyin_id(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "fixtures" / "valid", data)
    args = ["new", "--data", str(data), "--as-of", AS_OF, "--account", "pearl-river-foods"]
    args += ["--contact", "Peter Wong", "--owner", "li-lei", "--title", "上海数据中心扩容"]
    args += ["--amount", "88000", "--expected-close", "2027-05-31", "--folder", "south"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    written = Path(result.stdout.strip())
    assert written.name == "pearl-river-foods-shanghai-shuju-zhongxin-kuorong.yaml"
    assert 'title: "上海数据中心扩容"' in written.read_text(encoding="utf-8")


def test_funnel_new_names_a_title_without_letters_by_its_month(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "fixtures" / "valid", data)
    args = ["new", "--data", str(data), "--as-of", AS_OF, "--account", "pearl-river-foods"]
    args += ["--contact", "Peter Wong", "--owner", "li-lei", "--title", "???"]
    args += ["--amount", "88000", "--expected-close", "2027-05-31", "--folder", "south"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert Path(result.stdout.strip()).name == "pearl-river-foods-2027-05.yaml"


MAPPING = """\
deals: export.csv
folder: imported
territory: south
columns:
  account: Company
  contact: Contact
  owner: Owner
  title: Deal
  amount: Amount
  expected_close: Close
  stage: Stage
stages: {Lead: lead}
"""

EXPORT = """\
Company,Contact,Owner,Deal,Amount,Close,Stage
上海测试有限公司,王明,li.lei@example.com,服务器采购,1000.00,2027-03-31,Lead
Müller GmbH,Hans Müller,li.lei@example.com,Monitore,2000.00,2027-03-31,Lead
شركة الاتصالات,أحمد,li.lei@example.com,Servers,3000.00,2027-03-31,Lead
"""


def test_an_import_names_accounts_and_deals_in_any_script(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "fixtures" / "valid", data)
    (tmp_path / "export.csv").write_text(EXPORT, encoding="utf-8")
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    args = ["import", str(tmp_path / "export.csv"), "--mapping", str(tmp_path / "mapping.yaml")]
    result = CliRunner().invoke(main, [*args, "--data", str(data), "--as-of", AS_OF, "--write"])
    assert result.exit_code == 0, result.output
    accounts = {path.stem for path in (data / "accounts").glob("*.yaml")}
    deals = {path.stem for path in (data / "deals" / "imported").glob("*.yaml")}
    arabic = name_hash("شركة الاتصالات")
    assert {"shanghai-ceshi-youxian-gongsi", "muller-gmbh", arabic} <= accounts
    assert "account" not in accounts
    assert {
        "shanghai-ceshi-youxian-gongsi-fuwuqi-caigou",
        "muller-gmbh-monitore",
        f"{arabic}-servers",
    } == deals
