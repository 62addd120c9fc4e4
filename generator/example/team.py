"""The example team's files: the project's sample team and customers, the funnel's rules and
the site's configuration, as `funnel example` writes them into a new repository.

The people and customers are those of the sample data in `data/` (a test keeps them equal);
they live here so that the example can be made wherever the package is installed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from ..data.strictyaml import parse

FUNNEL_YAML = """\
# yaml-language-server: $schema=../schemas/funnel.schema.json
# Business rules of the funnel. Changes here need the sales managers' OK.
format: 1
currency: CNY

# won and lost are built in (100% and 0%), do not list them here
stages:                    # ordered from the top of the funnel down
  - id: qualify
    name: Qualify
    probability: 25        # percent
    handover: later        # visit | phone | later
  - id: compare
    name: Compare
    probability: 50
    handover: phone
  - id: commit
    name: Commit
    probability: 75
    handover: visit

rules:
  min_days_in_funnel: 14   # a deal won sooner than this after it first appeared is flagged
  stale_after_days: {stale}   # an open deal without a log entry for this long is stale
  max_file_bytes: 1048576  # a data file bigger than this (1 MiB) is refused
"""
PROBABILITY = {"qualify": 25, "compare": 50, "commit": 75}
"""The stages of FUNNEL_YAML and their win probability in percent."""

TERRITORIES = (("east", "East China"), ("north", "North China"))

# id | name | role | manager | territory | GitHub user
PEOPLE = """\
zhang-wei | 张伟 | manager | | east | zhangwei-sales
wang-li | 王丽 | rep | zhang-wei | east |
liu-yang | 刘洋 | rep | zhang-wei | east |
chen-jing | 陈静 | rep | zhang-wei | east |
tom-becker | Tom Becker | rep | zhang-wei | east |
sarah-collins | Sarah Collins | manager | | north | scollins
li-na | 李娜 | rep | sarah-collins | north |
zhao-lei | 赵磊 | rep | sarah-collins | north |
mark-johnson | Mark Johnson | rep | sarah-collins | north |
sun-hao | 孙浩 | rep | sarah-collins | north |
"""

# id | territory | industry | name, then one line per contact: name | title | phone | email
ACCOUNTS = """\
adventure-works | north | Engineering services | Adventure Works Engineering (Beijing) Ltd.
  Robert King | Office manager | +86 10 5555 2601 | robert.king@example.com
  崔颖 | IT administrator | +86 10 5555 2602 | cui.ying@example.com
binhai-hospital | north | Healthcare | 天津滨海康复医院
  潘志远 | 信息科主任 | +86 22 5555 3201 | pan.zhiyuan@example.cn
  贾敏 | Equipment department | +86 22 5555 3202 |
bluewave-design | east | Architecture | Bluewave Architecture & Design Co., Ltd.
  Anna Schmidt | Studio manager | +86 21 5555 1001 | anna.schmidt@example.com
  陆小龙 | IT support | +86 137 5555 1002 | lu.xiaolong@example.com
boya-school | north | Education | 北京博雅国际学校
  Karen Walsh | Head of IT | +86 10 5555 2901 | karen.walsh@example.org
  姚丽 | Purchasing | +86 10 5555 2902 | yao.li@example.org
contoso-shanghai | east |  | Contoso (Shanghai) Trading Co., Ltd.
  Linda Chen | Office manager | +86 21 5555 0701 | linda.chen@example.com
  Peter Wang | CFO |  | peter.wang@example.com
fabrikam-suzhou | east | Automotive parts | Fabrikam Auto Parts (Suzhou) Co., Ltd.
  Michael Grant | Plant IT lead | +86 512 5555 1201 | michael.grant@example.com
  蒋磊 | Purchasing manager | +86 512 5555 1202 | jiang.lei@example.com
  Sandra Lee | Finance controller |  | sandra.lee@example.com
gangtong-logistics | north |  | 天津港通物流有限公司
  张涛 | IT manager | +86 22 5555 2201 | zhang.tao@example.cn
  高静 | 采购 | +86 22 5555 2202 |
huabei-steel | north | Steel | 河北华北钢铁集团有限公司
  杜建军 | Head of IT department | +86 311 5555 2301 | du.jianjun@example.cn
  范丽丽 | Purchasing | +86 311 5555 2302 | fan.lili@example.cn
  韩冬 | CAD lead (design institute) | +86 311 5555 2303 |
huadong-electronics | east | Electronics manufacturing | 上海华东电子有限公司
  李明 | Purchasing manager | +86 21 5555 0101 | li.ming@example.cn
  周婷 | IT director | +86 21 5555 0102 | zhou.ting@example.cn
jiangnan-bank | east | Banking | 杭州江南商业银行股份有限公司
  黄志强 | Head of IT infrastructure | +86 571 5555 0201 | huang.zhiqiang@example.cn
  吴敏 | Procurement officer | +86 571 5555 0202 |
jingcheng-media | north | Media / TV production | 北京京城传媒有限公司
  王强 | Technical director | +86 10 5555 2101 | wang.qiang@example.cn
  刘佳 | Post-production lead | +86 186 5555 2102 | liu.jia@example.cn
jinhua-textiles | east | Textiles | 无锡锦华纺织集团有限公司
  顾建华 | Deputy general manager | +86 510 5555 1101 | gu.jianhua@example.cn
  沈洁 | IT supervisor | +86 510 5555 1102 | shen.jie@example.cn
jinneng-design | north | Mining engineering design | 山西晋能煤炭设计研究院
  任志刚 | CAD centre director | +86 351 5555 2801 | ren.zhigang@example.cn
  白雪 | 办公室 | +86 351 5555 2802 |
kangning-medical | east | Medical devices | 合肥康宁医疗器械有限公司
  马超 | IT manager | +86 551 5555 0601 | ma.chao@example.cn
  何芳 | Purchasing manager | +86 551 5555 0602 | he.fang@example.cn
lanhai-appliances | north | Home appliances | 青岛蓝海电器有限公司
  于海 | CIO | +86 532 5555 2501 | yu.hai@example.cn
  邵红 | Purchasing |  | shao.hong@example.cn
litware-consulting | north | Management consulting | Litware Consulting (Beijing) Ltd.
  Olivia Martin | Operations director | +86 10 5555 3101 | olivia.martin@example.com
nanjing-polytechnic | east | Education | 南京理工职业技术学院
  钱伟 | Head of IT centre | +86 25 5555 0901 | qian.wei@example.edu.cn
  唐晓燕 | Purchasing office | +86 25 5555 0902 | tang.xiaoyan@example.edu.cn
  许文 | 实验室主任 | +86 25 5555 0903 |
ninggang-shipping | east | Shipping | 宁波宁港航运有限公司
  胡建国 | 总经理 | +86 574 5555 0501 |
  郑雪 | IT specialist | +86 135 5555 0502 | zheng.xue@example.cn
northwind-logistics | east | Logistics / warehousing | Northwind Logistics Ltd.
  James Porter | Regional IT manager | +86 21 5555 0401 | james.porter@example.com
  孙丽 | Office manager | +86 139 5555 0402 | sun.li@example.com
qiyuan-pharma | north | Pharmaceuticals | 济南齐源制药有限公司
  曹阳 | QA systems manager | +86 531 5555 2401 | cao.yang@example.cn
  彭敏 | Procurement manager | +86 531 5555 2402 | peng.min@example.cn
suzhou-precision | east | Machinery | 苏州精密机械有限公司
  徐刚 | Engineering manager | +86 512 5555 0301 | xu.gang@example.cn
  陈红 | 采购主管 |  | chen.hong@example.cn
tailspin-aviation | north | Aircraft maintenance | Tailspin Aviation Services (Tianjin) Co., Ltd.
  Daniel Brooks | IT manager | +86 22 5555 3001 | daniel.brooks@example.com
  冯军 | Stores manager | +86 22 5555 3002 |
xihu-software | east | Software | 杭州西湖软件科技有限公司
  林峰 | CTO | +86 571 5555 0801 | lin.feng@example.cn
  杨洁 | 行政经理 | +86 571 5555 0802 | yang.jie@example.cn
zhilian-tech | north | AI software | 北京中关村智联科技有限公司
  宋博 | CTO | +86 10 5555 2701 | song.bo@example.cn
  梁晨 | Office administrator | +86 10 5555 2702 |
"""
REPS: dict[str, dict[str, tuple[str, ...]]] = {
    "east": {
        "wang-li": ("contoso-shanghai", "huadong-electronics", "suzhou-precision"),
        "liu-yang": ("jiangnan-bank", "jinhua-textiles", "ninggang-shipping", "xihu-software"),
        "chen-jing": ("fabrikam-suzhou", "kangning-medical", "nanjing-polytechnic"),
        "tom-becker": ("bluewave-design", "northwind-logistics"),
    },
    "north": {
        "li-na": ("binhai-hospital", "jingcheng-media", "lanhai-appliances", "qiyuan-pharma"),
        "zhao-lei": ("gangtong-logistics", "huabei-steel", "jinneng-design", "zhilian-tech"),
        "mark-johnson": (
            "adventure-works",
            "boya-school",
            "litware-consulting",
            "tailspin-aviation",
        ),
    },
}
"""Territory -> rep -> the customers they work."""
FORMER: dict[str, tuple[str, ...]] = {
    "sun-hao": ("adventure-works", "gangtong-logistics", "huabei-steel", "jingcheng-media")
}
"""Customers whose old deals a rep who has left still owns."""
MANAGERS = {"east": "zhang-wei", "north": "sarah-collins"}
LEFT = {
    "sun-hao": ("left", "left before the funnel moved to git; his customers went to 李娜 and 赵磊")
}

NEW_ACCOUNT = """\
haixin-optics | east | Optical instruments | 宁波海欣光学仪器有限公司
  陈磊 | Purchasing manager | +86 574 5555 1301 | chen.lei@example.cn
"""
"""A customer that is not in the funnel when the story starts."""

MKDOCS_YML = """\
site_name: {site_name}
site_description: The team's sales funnel, forecast and reviews, built from data/.
docs_dir: docs
site_dir: site
use_directory_urls: true
strict: true

theme:
  name: material
  font: false          # no external font requests: the site works offline
  language: en
  features:
    - navigation.sections
    - search.suggest

extra:
  generator: false

plugins:
  - search:
      lang: [en, ja]   # the ja segmenter splits Chinese words too
  - funnel:
      data_dir: data
      templates: templates
      language: en

markdown_extensions:
  - tables
  - admonition
  - attr_list
  - toc:
      permalink: true
      slugify: !!python/object/apply:pymdownx.slugs.slugify {{kwds: {{case: lower}}}}
"""

HOW_WE_WORK = """\
# How we work

- Every prospect of the territory goes into the funnel, the day we first talk about an order.
- Change your deals on a branch and open a pull request; your manager reviews and merges it.
- Log what you did with each customer every week or two; the weekly review shows who is stale.
- Close a deal as won or lost (with `closed_on`, and a `lost_reason`): never delete it.
- Order processing refuses orders from customers who were not in the funnel for two weeks.
"""

README_MD = """\
# {site_name}

The sales funnel of the East and North China teams: deals as YAML files under `data/`,
changed through pull requests, checked and built into a site by `funnel`.

```sh
funnel check                    # the data, every mistake at once
funnel build                    # the site in site/, with weekly reviews and trends
funnel review --week {week}     # the manager's weekly review
git log --first-parent --format='%ad %an: %s' --date=short
```
"""

GITIGNORE = "site/\n"


@dataclass(frozen=True)
class Person:
    """A member of the sample team, as team.yaml lists them and their commits are signed."""

    id: str
    name: str
    role: str
    manager: str
    territory: str
    github: str

    @property
    def email(self) -> str:
        """The address the person's commits are signed with, which links the history to them."""
        return f"{self.id.replace('-', '.')}@example.com"


@dataclass(frozen=True)
class Contact:
    """A person at a sample customer, as the account file lists them."""

    name: str
    title: str
    phone: str
    email: str


@dataclass(frozen=True)
class Account:
    """A sample customer with its contacts, written as an account file."""

    id: str
    territory: str
    industry: str
    name: str
    contacts: tuple[Contact, ...]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split("|")]


@cache
def people() -> dict[str, Person]:
    """The sample team by id, managers and reps of both territories."""
    return {
        cells[0]: Person(*cells)
        for cells in (_cells(line) for line in PEOPLE.splitlines() if line.strip())
    }


def _accounts(table: str) -> dict[str, Account]:
    found: dict[str, Account] = {}
    head: list[str] = []
    contacts: list[Contact] = []
    for line in [*table.splitlines(), ""]:
        if line.startswith("  "):
            contacts.append(Contact(*[*_cells(line), "", "", ""][:4]))
            continue
        if head:
            found[head[0]] = Account(head[0], head[1], head[2], head[3], tuple(contacts))
        head, contacts = (_cells(line) if line.strip() else []), []
    return found


@cache
def accounts() -> dict[str, Account]:
    """The sample customers by id."""
    return _accounts(ACCOUNTS)


def new_account() -> Account:
    """The customer the late entry brings in, who was not in the CRM imports."""
    return next(iter(_accounts(NEW_ACCOUNT).values()))


@cache
def scalar(text: str, flow: bool = False) -> str:
    """`text` as a YAML scalar: plain when it reads back as itself, quoted otherwise."""
    probe = f"- {{k: {text}}}\n" if flow else f"k: {text}\n"
    value, problems = parse(probe, "probe.yaml")
    plain = value[0] if flow and isinstance(value, list) else value
    if not problems and plain == {"k": text} and text.strip() == text and text:
        return text
    return json.dumps(text, ensure_ascii=False)


def team_yaml(statuses: dict[str, tuple[str, str]]) -> str:
    """team.yaml with each person's status (and its comment) from `statuses`."""
    lines = [
        "# yaml-language-server: $schema=../schemas/team.schema.json\n",
        "# Sales team, territories and people. Keep ids stable: deals refer to them.\n\n",
        "territories:\n",
        *(f"  - {{id: {id_}, name: {name}}}\n" for id_, name in TERRITORIES),
        "\npeople:\n",
    ]
    for person in people().values():
        status, comment = statuses.get(person.id, ("active", ""))
        lines += [f"  - id: {person.id}\n", f"    name: {scalar(person.name)}\n"]
        lines.append(f"    email: {person.email}\n")
        if person.github:
            lines.append(f"    github: {person.github}\n")
        lines.append(f"    role: {person.role}\n")
        if person.manager:
            lines.append(f"    manager: {person.manager}\n")
        lines.append(f"    territory: {person.territory}\n")
        lines.append(f"    status: {status}" + (f"  # {comment}" if comment else "") + "\n")
    return "".join(lines)


def targets_yaml(territories: list[str], years: range, rep_year: int) -> str:
    """Each territory's target for `years` and each rep's for `rep_year`, growing 10% a year."""
    lines = [
        "# yaml-language-server: $schema=../schemas/targets.schema.json\n",
        "# Sales targets, agreed with each rep at the start of the year.\n",
        "targets:\n",
    ]
    for territory in territories:
        size = sum(len(names) for names in REPS[territory].values())
        for year in years:
            amount = 500000 * size * (10 + year - rep_year) // 10
            lines.append(f"  - {{territory: {territory}, period: {year}, amount: {amount}.00}}\n")
        for rep, names in REPS[territory].items():
            amount = 1000000 + 150000 * len(names)
            lines.append(f"  - {{owner: {rep}, period: {rep_year}, amount: {amount}.00}}\n")
    return "".join(lines)


def account_yaml(account: Account) -> str:
    """The customer's account file as the team would write it, with the schema line."""
    lines = [
        "# yaml-language-server: $schema=../../schemas/account.schema.json\n",
        f"name: {scalar(account.name)}\n",
        f"territory: {account.territory}\n",
    ]
    if account.industry:
        lines.append(f"industry: {scalar(account.industry)}\n")
    lines.append("contacts:\n")
    for contact in account.contacts:
        fields = [f"name: {scalar(contact.name, flow=True)}"]
        if contact.title:
            fields.append(f"title: {scalar(contact.title, flow=True)}")
        if contact.phone:
            fields.append(f"phone: {json.dumps(contact.phone)}")
        if contact.email:
            fields.append(f"email: {contact.email}")
        lines.append(f"  - {{{', '.join(fields)}}}\n")
    return "".join(lines)
