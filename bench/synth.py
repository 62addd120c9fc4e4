"""Write a synthetic, valid data folder of any size, for benchmarks.

    python bench/synth.py --deals 10000 --out bench/out/d10k

The same seed writes the same files. The folder passes `funnel check --as-of 2026-11-26`
with no errors and a few overdue warnings: 4 custom stages, 4 territories, 8 managers and
60 reps (all active), deals/5 accounts with 1-3 contacts each, and deals filed under
deals/<territory>/<owner>/<id>.yaml, each sized like the sample data.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
from datetime import date
from pathlib import Path

AS_OF = date(2026, 11, 26).toordinal()
STAGES = (("lead", 10, "later"), ("discover", 30, "later"), ("propose", 60, "phone"))
STAGES += (("negotiate", 85, "visit"),)
TERRITORIES = (("east", "East China", "21"), ("north", "North China", "10"))
TERRITORIES += (("south", "South China", "20"), ("west", "West China", "28"))


def _pairs(chinese: str, pinyin: str) -> tuple[tuple[str, str], ...]:
    return tuple(zip(chinese.split(), pinyin.split(), strict=True))


SURNAMES = _pairs("王 李 张 刘 陈 杨 赵 黄 周 吴", "wang li zhang liu chen yang zhao huang zhou wu")
GIVEN = _pairs("伟 芳 娜 敏 静 强 磊 洋 艳 勇", "wei fang na min jing qiang lei yang yan yong")
WORDS = _pairs(
    "华东 金桥 蓝海 博雅 恒信 启元 港通 智联 康宁 锦程",
    "huadong jinqiao lanhai boya hengxin qiyuan gangtong zhilian kangning jincheng",
)
ENGLISH = ("Robert King", "Sarah Collins", "Mark Johnson", "Tom Becker", "Anna Schmidt")
ENGLISH += ("David Miller", "Emma Wilson", "James Brown", "Laura Garcia", "Peter Novak")
CITIES = ("上海", "北京", "深圳", "成都", "杭州", "天津", "广州", "重庆", "苏州", "西安")
INDUSTRIES = (("电子有限公司", "electronics", "Electronics"), ("银行", "bank", "Banking"))
INDUSTRIES += (("医院", "hospital", "Healthcare"), ("物流有限公司", "logistics", "Logistics"))
INDUSTRIES += (("设计院", "design", "Architecture"), ("制药股份有限公司", "pharma", "Pharma"))
TITLES = ("Purchasing manager", "IT director", "CIO", "Office manager", "IT administrator")
OFFERS = (
    ("Laptop refresh", "laptops", ("EliteBook 840", "ProBook 450", "Care Pack 3y NBD")),
    ("Data centre servers", "servers", ("ProLiant DL380", "ProLiant DL360", "Care Pack 5y 4h")),
    ("Design workstations", "workstations", ("Z4 G5", "ZBook Studio", "Z24 monitor")),
    ("Branch printers", "printers", ("LaserJet M611", "Color LaserJet M555", "Managed Print")),
    ("Campus network", "network", ("Aruba 6300", "Aruba AP-635", "Aruba Central")),
)
SOURCES = ("trade-show-2026", "referral", "partner", "website", "cold-call", "webinar")
NOTES = (
    "First call: {c} is collecting offers for next year.",
    "{c} 询问了价格和交货期。",
    "Demo done; customer is comparing us with one other brand.",
    "已发送报价单，等待{c}确认预算。",
    "Technical clarification with {c}.",
    "客户参观了演示中心，反馈很好。",
    "Quote sent, valid for 30 days.",
    "{c} asked for a reference customer in the same industry.",
)
LOST_REASONS = ("Price: the competitor was 12% cheaper.", "项目预算被取消。", "No decision.")


def _day(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _person(index: int) -> tuple[str, str]:
    """A unique (id, name) for the index-th person."""
    (surname, s_pinyin), (given, g_pinyin) = SURNAMES[index % 10], GIVEN[index // 10 % 10]
    return f"{s_pinyin}-{g_pinyin}-{index:02d}", surname + given


def _funnel() -> str:
    lines = ["format: 1", "currency: CNY", "stages:"]
    for sid, probability, handover in STAGES:
        lines += [f"  - id: {sid}", f"    name: {sid.title()}", f"    probability: {probability}"]
        lines.append(f"    handover: {handover}")
    lines += ["rules:", "  min_days_in_funnel: 14", "  stale_after_days: 21", ""]
    return "\n".join(lines)


def _team(rng: random.Random) -> tuple[str, dict[str, list[str]]]:
    """team.yaml and the rep ids of each territory (2 managers and 15 reps per territory)."""
    lines = ["territories:"]
    lines += [f"  - {{id: {tid}, name: {name}}}" for tid, name, _ in TERRITORIES]
    lines.append("people:")
    reps: dict[str, list[str]] = {}
    index = 0
    for tid, _, _ in TERRITORIES:
        managers = []
        for role in ["manager"] * 2 + ["rep"] * 15:
            pid, name = _person(index)
            index += 1
            lines += [f"  - id: {pid}", f"    name: {name}", f"    email: {pid}@example.com"]
            lines.append(f"    role: {role}")
            if role == "rep":
                lines.append(f"    manager: {rng.choice(managers)}")
                reps.setdefault(tid, []).append(pid)
            else:
                managers.append(pid)
            lines += [f"    territory: {tid}", "    status: active"]
    lines.append("")
    return "\n".join(lines), reps


def _account(rng: random.Random, index: int) -> tuple[str, str, str, list[str]]:
    """(id, territory, yaml text, contact names) of one account."""
    (word, pinyin), (cn, slug, industry) = rng.choice(WORDS), rng.choice(INDUSTRIES)
    aid = f"{pinyin}-{slug}-{index}"
    tid, _, area = TERRITORIES[index % len(TERRITORIES)]
    lines = ["# yaml-language-server: $schema=../../schemas/account.schema.json"]
    lines += [f"name: {rng.choice(CITIES)}{word}{cn}", f"territory: {tid}"]
    lines += [f"industry: {industry}", "contacts:"]
    pool = [rng.choice(SURNAMES)[0] + rng.choice(GIVEN)[0] for _ in range(2)]
    names = list(dict.fromkeys([*pool, rng.choice(ENGLISH)]))[: rng.randint(1, 3)]
    for n, name in enumerate(names):
        phone = _q(f"+86 {area} 5{rng.randrange(1000):03d} {rng.randrange(10000):04d}")
        contact = f"  - {{name: {name}, title: {rng.choice(TITLES)}, phone: {phone}"
        lines.append(contact + (f", email: c{n}.{aid}@example.cn}}" if n % 2 == 0 else "}"))
    lines.append("")
    return aid, tid, "\n".join(lines), names


def _deal(rng: random.Random, account: str, contact: str, owner: str) -> tuple[str, str]:
    """(slug, yaml text) of one deal: 60% open, 25% won, 15% lost."""
    title, slug, products = rng.choice(OFFERS)
    roll = rng.random()
    if roll < 0.6:
        stage = STAGES[rng.randrange(len(STAGES))][0]
        created = AS_OF - rng.randint(5, 300)
        expected = AS_OF + rng.randint(5, 400) if rng.random() > 0.01 else AS_OF - 3
        last, closed = AS_OF - rng.randint(0, 4), None
    else:
        stage = "won" if roll < 0.85 else "lost"
        created = AS_OF - rng.randint(60, 900)
        closed = min(created + rng.randint(20, 200), AS_OF - 1)
        expected, last = closed + rng.randint(0, 30), closed
    cents = rng.randrange(20_000_00, 5_000_000_00)
    items = ", ".join(rng.sample(products, rng.randint(1, 3)))
    lines = ["# yaml-language-server: $schema=../../../../schemas/deal.schema.json"]
    lines += [f"account: {account}", f"contact: {contact}", f"owner: {owner}"]
    lines += [f"title: {title}", f"products: [{items}]"]
    lines.append(f"amount: {cents // 100}.{cents % 100:02d}")
    lines += [f"expected_close: {_day(expected)}", f"stage: {stage}"]
    if closed is not None:
        lines.append(f"closed_on: {_day(closed)}")
    if stage == "lost":
        lines.append(f"lost_reason: {_q(rng.choice(LOST_REASONS))}")
    lines += [f"source: {rng.choice(SOURCES)}", f"created: {_day(created)}", "log:"]
    days = [created, *sorted(rng.randint(created, last) for _ in range(rng.randint(0, 4)))]
    for day in days:
        note = _q(rng.choice(NOTES).format(c=contact))
        lines.append(f"  - {{date: {_day(day)}, note: {note}}}")
    lines.append("")
    return slug, "\n".join(lines)


def write_dataset(out: Path, deals: int, seed: int = 1) -> None:
    """Write a data folder with `deals` deals to `out` (replaced; written beside, then moved)."""
    rng = random.Random(seed)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "accounts").mkdir(parents=True)
    (tmp / "funnel.yaml").write_text(_funnel(), encoding="utf-8")
    team, reps = _team(rng)
    (tmp / "team.yaml").write_text(team, encoding="utf-8")
    accounts = []
    for index in range(max(1, deals // 5)):
        aid, tid, text, names = _account(rng, index)
        with open(tmp / "accounts" / f"{aid}.yaml", "w", encoding="utf-8") as handle:
            handle.write(text)
        accounts.append((aid, tid, names))
    folders: set[str] = set()
    for index in range(deals):
        aid, tid, names = accounts[rng.randrange(len(accounts))]
        owner = rng.choice(reps[tid])
        slug, text = _deal(rng, aid, rng.choice(names), owner)
        folder = f"{tmp}/deals/{tid}/{owner}"
        if folder not in folders:
            os.makedirs(folder)
            folders.add(folder)
        with open(f"{folder}/{aid}-{slug}-{index}.yaml", "w", encoding="utf-8") as handle:
            handle.write(text)
    (tmp / ".synth").write_text(f"deals={deals} seed={seed}\n", encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=1000, help="number of deals (default 1000)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (replaced)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args()
    write_dataset(args.out, args.deals, args.seed)
    print(f"wrote {args.deals} deals to {args.out}")


if __name__ == "__main__":
    main()
