"""Pages kept from the last build: a page whose inputs did not change is not rendered again.

A generated page outside the navigation (a deal, an account, a weekly review ...) is kept in
`.git/funnel/pages/` by the hash of what makes it:

- its content (the HTML of its Markdown, its table of contents, title and anchors, and its
  search entries) by its path, its Markdown as MkDocs reads it, the whole configuration
  (Markdown extensions, theme settings, plugins' options, hooks' source), the versions of
  MkDocs, the theme, Markdown and this package's own code, and the pages its links point to;
- its output (the theme's HTML) by the content's key and the shell around it: the
  navigation as it is rendered (every title and address), and the theme's own templates
  (a `custom_dir` by the bytes of its files, an installed theme by its version). Kept as
  the file written (a second name of it: see `PageStore.keep_written`) where the store's
  files can be linked into the site, else compressed with the page.

A page whose content is kept is not converted from Markdown again, nor parsed for search;
a page whose output is kept is not rendered by the theme either: MkDocs writes the kept
HTML. When no other plugin or hook sees a page (`only_known_hooks`), a build writes the
pages whose output is kept as soon as it has the navigation, and MkDocs leaves them out of
its rounds (`KeptState.pass_through`); their search entries go into the index in their
places. A kept page is therefore byte for byte the page a build without the store writes
(tests build both and compare every file). Pages in the navigation and the team's own
`docs/` are always rendered. Outside git nothing is kept on disk; `funnel serve` keeps the
pages in memory between rebuilds too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import tempfile
import zlib
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote as urlquote

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import write_file

from ..data.cache_files import Tailed, write_whole
from ..data.forked import SetAside
from ..site.context import Page as SitePage
from ..site.memo import PICKLED, unpack
from .links import Links
from .one_markdown import converters
from .page_keys import FORMAT, page_key, shell_digest
from .search_json import Encoded, Packed, add, encoded, packed, unpack_entries, write_index
from .search_sections import Section, sections

PAGES_FOLDER = f"pages-v{FORMAT}"
KEPT_TEMPLATE = "funnel/kept-page.html"
KEPT_SOURCE = "{{ page.kept_output|safe }}"
"""The template of a page whose output is kept: the kept HTML, as it was written."""
WRITTEN_AHEAD = "<!-- written by the process that made it ahead -->\n"

log = logging.getLogger(f"mkdocs.plugins.{__name__}")

LINKED_NS = 271_828_100
"""The part of a second in the modification time of a page kept as written (see
`PageStore.keep_written`): a later write into the same file gives it another time, and a page
changed so is never linked again. A whole number of 100 ns, which every file system that keeps
parts of a second can hold (NTFS counts in 100 ns)."""


@dataclass
class KeptHead:
    """What a build needs of a kept page to write it as kept (see `PageStore.head`): all but
    its content and output, which a page linked into the new site never reads."""

    title: str | None
    anchors: set[str] | None
    links_to_anchors: dict[str, dict[str, str]] | None
    lookups: tuple[tuple[str, str], ...]
    """Every page its links looked up, with the address found (the content depends on it)."""
    search: str | Packed
    """Its search entries, as the index's JSON holds them (see `search_json`); a head's,
    `packed`, compressed or not."""
    shell: str

    @classmethod
    def pickled(cls, page: KeptPage, compress: bool = True) -> bytes:
        """The head of a kept page, pickled as the file of heads holds it: its search entries'
        JSON, most of it, `packed`; compressed in a site of many pages (see
        `PageStore.compress_search`)."""
        head = cls(
            page.title,
            page.anchors,
            page.links_to_anchors,
            page.lookups,
            packed(page.search, compress),
            page.shell,
        )
        return pickle.dumps(head, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def unpickled(pickled: bytes) -> KeptHead | None:
        """The head that `pickled` made, if it is one of this version's."""
        try:
            head = pickle.loads(pickled)
        except Exception:  # damaged, or kept otherwise before
            return None
        if type(head) is KeptHead and _current(vars(head), whole=False):
            return head
        return None


COMPRESS_SEARCH_FROM = 20_000
"""Pages from which the heads hold their search entries compressed (see
`PageStore.compress_search`)."""
WRITES_KEPT = "_funnel_writes_kept"
"""Marks a search index whose JSON is written with the kept pages' entries as kept."""
HEADS = "heads.pickle"
"""The heads of the kept pages, all in one file of the store's folder (see `PageStore.head`),
with a tail of the changes since it was written whole (see `cache_files.Tailed`)."""
HEADS_NAME = HEADS.partition(".")[0]
"""What both files of heads are named before their first dot (a page's key never is)."""


@dataclass
class KeptPage(KeptHead):
    """What a page's rendering made: its content, and its output around that content (and,
    as a head, what a build needs to write it as kept)."""

    search: str
    """Its search entries, as the index's JSON holds them (see `search_json`)."""
    packed_content: bytes
    """The HTML of its Markdown, compressed (as a lean page holds it: see `lean`)."""
    packed_toc: bytes
    """Its table of contents, pickled: read only for a page the theme renders again (see
    `toc`). A build writes most pages it finds kept whole, and making the toc's objects took
    half the time of reading a page back."""
    packed: bytes
    """The output, compressed: held so until it is written (a build holds every page). Empty
    when the page is kept as written instead (see `PageStore.try_links`): the theme renders
    it again from its content whenever the file written cannot be linked."""

    @property
    def toc(self) -> Any:
        """Its table of contents (MkDocs' objects)."""
        return pickle.loads(self.packed_toc)

    @property
    def output(self) -> str:
        """The theme's HTML of the page."""
        return self.written.decode("utf-8")

    @property
    def written(self) -> bytes:
        """The theme's HTML of the page, as a file (UTF-8)."""
        return zlib.decompress(self.packed)


@dataclass
class PageStore:
    """Kept pages by key: in memory, and in `folder` when there is one (inside `.git/`)."""

    folder: Path | None
    remember: bool = False
    """Keep the pages in memory too (`funnel serve`, between its rebuilds)."""
    memory: dict[str, bytes] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    ahead: bool = False
    """This process makes pages ahead of a build (see `ahead`): it forks no other."""
    hits: int = 0
    rendered: int = 0
    written: dict[str, str] = field(default_factory=dict)
    """The pages this build wrote as they are kept (by key: where), to be kept as written."""
    linking: bool = True
    """Pages may be linked here (not after a link failed: another file system ...). A build
    that keeps its pages as written tries first (`try_links`): then a page kept as written
    keeps no second copy of its output."""
    heads: dict[str, bytes] | None = None
    """Each kept page's head pickled, by key, as the last build wrote them (read when first
    asked for: see `head`)."""
    new_heads: dict[str, bytes] = field(default_factory=dict)
    """The heads of the pages kept by this process since the heads were last written."""
    compress_search: bool = True
    """The heads hold the search entries compressed: a build holds every head, and 100,000
    pages' entries take 600 MB as they are. A site of fewer pages than `COMPRESS_SEARCH_FROM`
    holds them as they are: unpacking 12,900 pages' (60 MB) took 0.3 s of a warm build."""
    kept_heads: Tailed | None = field(init=False, default=None)
    """The file of heads in `folder`."""

    def __post_init__(self) -> None:
        if self.folder is not None:
            self.kept_heads = Tailed(self.folder / HEADS)

    def head(self, key: str) -> KeptHead | KeptPage | None:
        """The head of the page kept under `key` (see `KeptHead`): from the one file of heads,
        so a build that links most pages reads one file, not one a page; else the page."""
        pickled = None
        if key not in self.memory:
            pickled = self._heads().get(key) or self.new_heads.get(key)
            head = None if pickled is None else KeptHead.unpickled(pickled)
            if head is not None:
                self.used.add(key)
                return head
        page = self.get(key)
        if pickled is not None and page is not None and self.folder is not None:
            self.new_heads[key] = KeptHead.pickled(page, self.compress_search)  # kept anew
        return page

    def holds(self, key: str) -> bool:
        """Whether a head or a page is kept under `key` (in memory or in the file of heads; a
        page kept in a file of its own without a head is not counted)."""
        return key in self.memory or key in self._heads() or key in self.new_heads

    def _heads(self) -> dict[str, bytes]:
        if self.heads is None:  # missing or damaged: the pages are read whole
            self.heads = {} if self.kept_heads is None else self.kept_heads.read()
        return self.heads

    def get(self, key: str) -> KeptPage | None:
        """The page kept under `key`; None when there is none or it cannot be read."""
        data = self.memory.get(key)
        if data is None and self.folder is not None:
            try:
                data = (self.folder / key).read_bytes()
            except OSError:
                return None
        if data is None:
            return None
        try:  # a page's HTML is compressed within; one kept by an earlier version is whole
            page = pickle.loads(data if data[:1] == PICKLED else zlib.decompress(data))
        except Exception:  # a damaged or foreign file: the page is rendered again
            return None
        if not isinstance(page, KeptPage) or not _current(vars(page)):
            return None  # not a page, or one kept by an earlier version: rendered again
        if self.remember:
            self.memory[key] = data
        self.used.add(key)
        return page

    def holds_any(self) -> bool:
        """Whether any page is kept (a first build finds none)."""
        if self.memory:
            return True
        try:
            with os.scandir(self.folder) as entries:
                return next(entries, None) is not None
        except (OSError, TypeError):  # no folder (yet)
            return False

    def put(self, key: str, page: KeptPage) -> None:
        """Keep `page` under `key` (written whole, or not at all)."""
        data = pickle.dumps(page, protocol=pickle.HIGHEST_PROTOCOL)  # its HTML is compressed
        if self.remember:
            self.memory[key] = data
        self.used.add(key)
        if self.folder is None:
            return
        self.new_heads[key] = KeptHead.pickled(page, self.compress_search)
        try:
            write_whole(self.folder / key, data)
        except OSError as exc:
            log.debug(f"funnel: a page could not be kept: {exc}")

    def forget(self, key: str) -> None:
        """Keep nothing under `key` (the heads of all pages go too: the next build reads each
        page whole once, and finds none under `key`)."""
        self.memory.pop(key, None)
        self.used.discard(key)
        self.heads, self.new_heads = {}, {}
        if self.folder is not None:
            (self.folder / key).unlink(missing_ok=True)
        if self.kept_heads is not None:
            self.kept_heads.remove()

    def start(self) -> None:
        """A new build: nothing used yet."""
        self.used, self.hits, self.rendered, self.written = set(), 0, 0, {}

    def prune(self, shell: str = "") -> None:
        """Forget the pages this build did not use (on disk and in memory), and those kept
        as written around another shell than `shell`."""
        self.memory = {key: data for key, data in self.memory.items() if key in self.used}
        if self.folder is None or not self.folder.is_dir():
            return
        whole, unused = set(), []
        with os.scandir(self.folder) as entries:  # no path object for each of 25,000 files
            for entry in entries:
                name = entry.name
                key, _, written = name.partition(".")
                if key == HEADS_NAME:
                    continue  # the heads' base and tail
                if key not in self.used or (written and name != _written_name(key, shell)):
                    unused.append(entry.path)
                elif not written:
                    whole.add(key)
        _remove(unused, str(self.folder.parent))
        self.keep_heads(whole)

    def keep_heads(self, whole: set[str]) -> None:
        """Write the heads of the pages this build used and the folder holds `whole` into the
        one file of heads (only when they changed). A page kept by another process (`ahead`)
        has its head read from its file here."""
        if self.kept_heads is None:
            return
        known = {**self._heads(), **self.new_heads}
        kept = self.used & whole
        if known.keys() == kept and not self.new_heads:
            return
        heads = {}
        for key in sorted(kept):
            pickled = known.get(key)
            if pickled is None:
                page = self.get(key)
                if page is None:
                    continue
                pickled = KeptHead.pickled(page, self.compress_search)
            heads[key] = pickled
        try:
            self.kept_heads.write(heads)
        except OSError as exc:
            log.debug(f"funnel: the heads of the kept pages could not be kept: {exc}")
            return
        self.heads, self.new_heads = heads, {}

    def link(self, key: str, shell: str, destination: str, links: Links) -> bool:
        """Put the page kept as written for `key` around `shell` (see `keep_written`) at
        `destination`, as a second name of the same file: nothing is read or written. False
        when there is none, when it was written into since, or when links fail here. The
        build's first link is made here; once one was, the others are asked of `links`."""
        if self.folder is None or not self.linking:
            return False
        kept = os.path.join(self.folder, _written_name(key, shell))  # no path object a page
        try:
            status = os.stat(kept)
        except OSError:
            return False
        if status.st_mtime_ns % 1_000_000_000 != LINKED_NS:
            return False  # written into since it was kept: not this page any more
        if links.recycled is not None and links.recycled.confirm(status, destination):
            return True  # in the last site, where it stays
        if links.made_here:
            links.ask(kept, destination)
            return True
        try:
            _link(kept, destination)
        except OSError:
            self.linking = False
            return False
        links.made_here = True
        return True

    def try_links(self, site: Path) -> None:
        """Whether this build's pages can be linked between the store and `site` (see
        `links_work`), tried once before any page is linked or kept."""
        self.linking = self.folder is not None and links_work(self.folder, site)

    def keeps_written(self) -> bool:
        """Whether a page kept as written is linked from here (its output not kept again)."""
        return self.folder is not None and self.linking

    def wrote(self, key: str, destination: str) -> None:
        """The build wrote the page kept under `key` to `destination` (as the store keeps it,
        finished): `keep_written` keeps that file."""
        self.written[key] = destination

    def keep_written(self, shell: str) -> None:
        """Keep each page this build wrote (see `wrote`), as a second name of its file in the
        site, marked by its modification time (see `LINKED_NS`): the next build links it
        instead of writing it again."""
        written, self.written = self.written, {}
        if self.folder is None or not self.linking:
            return
        for key, destination in written.items():
            kept = self.folder / _written_name(key, shell)
            try:
                if kept.exists():
                    continue
                changed = os.stat(destination).st_mtime_ns
                marked = changed - changed % 1_000_000_000 + LINKED_NS
                os.utime(destination, ns=(marked, marked))
                _link(Path(destination), str(kept))
            except FileNotFoundError:  # a blank page is not written
                continue
            except OSError as exc:
                log.debug(f"funnel: pages are not kept as written: {exc}")
                self.linking = False
                return


ASIDE_FROM = 100
"""From this many kept files a build no longer uses, they are moved aside and removed by a
process of their own (see `_remove`)."""
PAGES_ASIDE = "pages-aside-"
"""What the folders of kept files set aside are named before their random part."""


def _remove(paths: list[str], beside: str) -> None:
    """Remove the files at `paths`; many of them are moved into a folder in `beside` and
    removed by a process of their own (see `SetAside`): a build after a preview, or after one
    that made every page again, forgot 25,800 files of 12,900 pages, and removing them took
    it 2.2 s."""
    if len(paths) < ASIDE_FROM:
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        return
    aside = SetAside(beside, PAGES_ASIDE)
    for path in paths:
        aside.move(path)
    aside.remove_later()


def _written_name(key: str, shell: str) -> str:
    """The name of a page kept as written: its key and the shell it was written around."""
    return f"{key}.{shell[:16]}.html"


def links_work(folder: Path, site: Path) -> bool:
    """Whether a file in `folder` can be given a second name where `site` is (or the nearest
    folder above it that is there): tried with an empty file, removed again."""
    there = next((above for above in (site, *site.absolute().parents) if above.is_dir()), None)
    if there is None:
        return False
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".link-", delete=False) as tried:
            first = Path(tried.name)
        try:
            second = there / f".funnel-link-{os.getpid()}"
            os.link(first, second)
            second.unlink()
            return True
        finally:
            first.unlink(missing_ok=True)
    except OSError:
        return False


def _link(existing: Path | str, name: str) -> None:
    """Give the file `existing` the second name `name` (its folder made, a file there
    replaced)."""
    try:
        os.link(existing, name)
    except FileNotFoundError:  # no folder yet
        os.makedirs(os.path.dirname(name), exist_ok=True)
        os.link(existing, name)
    except FileExistsError:  # a build into the folder of the last (MkDocs' --dirty)
        temporary = f"{name}.{os.getpid()}.tmp"
        os.link(existing, temporary)
        os.replace(temporary, name)


class KeptMarkdownPage(Page):
    """A generated page that takes its rendering from the store when its inputs are the same.

    Made before the navigation, which then takes it as it is: `title` is its title there.
    A `lean` page (a build that never comes back to its pages: not `funnel serve`'s own)
    holds its HTML compressed between its rendering and the theme's, lets its Markdown go
    once rendered, and both once written: a build holds every page's HTML at once, else."""

    written_ahead = False
    """The process that made it ahead wrote it into the site (see `ahead`), as it was kept:
    written whole, the build writes nothing of it (see `active`)."""
    destination: str | None = None
    """Where it is written, while MkDocs writes what it makes of it nowhere."""

    def __init__(
        self,
        title: str | None,
        file: File,
        config: Any,
        store: PageStore,
        content: str,
        lean: bool = False,
    ) -> None:
        self.lean = lean
        self.when_active: Callable[[KeptMarkdownPage], None] | None = None
        """Called as the theme is about to render the page (see `active`)."""
        self._packed: bytes | None = None
        self._shown: tuple[bytes, str] | None = None
        """The content as last read, until it is set again."""
        super().__init__(title, file, config)
        self.store, self.content_key = store, content
        self.key: str | None = None
        self.kept: KeptPage | None = None
        self.whole = False
        """Its output is kept too: the theme does not render it."""
        self.lookups: list[tuple[str, str]] | None = None
        self.meta_as_read: MutableMapping[str, Any] | None = None
        """Its meta while it is hidden from the search plugin (see `KeptState`)."""
        self._read: tuple[bytes, str] | None = None
        """The packed text the page was read from, and the Markdown read (see `source`)."""

    def read_source(self, config: Any) -> None:
        packed = self.file.packed if isinstance(self.file, PackedFile) else None
        super().read_source(config)
        markdown = self.markdown
        self._read = None if packed is None or markdown is None else (packed, markdown)

    def source(self) -> str | bytes:
        """What the page's key takes as its Markdown: the packed text the site made, while
        no plugin changed the Markdown read from it (the same text packs the same bytes, and
        a page kept whole is found without unpacking it); else the Markdown. Asked once, to
        key the page: the Markdown read is not held for the rest of the build."""
        read, self._read = self._read, None
        if read is not None and self.markdown is read[1]:
            return read[0]
        assert self.markdown is not None
        return self.markdown

    @property
    def content(self) -> str | None:  # MkDocs' attribute, kept compressed
        """The HTML of the page's Markdown (None before it is rendered)."""
        packed = self._packed
        if packed is None:
            return None
        shown = self._shown
        if shown is not None and shown[0] is packed:
            return shown[1]
        text = zlib.decompress(packed).decode("utf-8")
        self._shown = (packed, text)  # held until it is set: MkDocs reads it, then sets it
        return text

    @content.setter
    def content(self, value: str | None) -> None:
        shown, self._shown = self._shown, None
        if shown is not None and value is shown[1] and shown[0] is self._packed:
            return  # given back as it was read (no plugin changed it): still packed
        self._packed = None if value is None else zlib.compress(value.encode("utf-8"), 1)

    @property
    def active(self) -> bool:  # MkDocs' attribute
        """The page is the one the theme renders (its template is not chosen yet)."""
        return bool(Page.active.fget(self))  # type: ignore[attr-defined]

    @active.setter
    def active(self, value: bool) -> None:
        Page.active.fset(self, value)  # type: ignore[attr-defined]
        if value and self.when_active is not None:
            self.when_active(self)
        if value and self.whole and self.written_ahead:  # in place: MkDocs writes nowhere
            self.destination, self.file.abs_dest_path = self.file.abs_dest_path, os.devnull
        elif not value and self.destination is not None:
            self.file.abs_dest_path, self.destination = self.destination, None

    @property
    def kept_output(self) -> str:
        """The kept HTML (the kept-page template prints it); a page written ahead, a line
        that MkDocs writes nowhere (see `active`)."""
        if self.kept is None or not self.whole:
            return ""
        return WRITTEN_AHEAD if self.written_ahead else self.kept.output

    def render(self, config: Any, files: Files) -> None:
        """The kept content when the page's inputs are the same; else rendered by MkDocs,
        noting the pages its links look up."""
        self.key = page_key(self.content_key, self.file, self.source())
        kept = self.store.get(self.key)
        if kept is not None and _lookups_hold(kept.lookups, files):
            self.kept, self.lookups = kept, list(kept.lookups)
            self._packed, self.toc, self._title_from_render = (
                kept.packed_content,
                kept.toc,
                kept.title,
            )
            self.present_anchor_ids = kept.anchors
            if kept.links_to_anchors is not None:
                self.links_to_anchors = _anchor_links(kept.links_to_anchors, files)
        else:
            self.kept, self.whole = None, False
            recording = _Lookups(files)
            with Warned() as warned:
                converters.render(self, config, recording)  # type: ignore[arg-type]
            self.lookups = None if recording.missing or warned.count else recording.found
        if self.lean:  # rendered: its Markdown is let go (None would mean "not read yet")
            self.markdown = self.file.content_string = ""

    def keep(self, output: str, search: str, shell: str, with_output: bool) -> bool:
        """Keep this page's rendering (not when one of its links found no page, nor when
        its conversion warned: the warning must come again); whether it was kept. Without
        its output (not `with_output`) when the file written is kept instead."""
        if self.key is None or self.lookups is None or self._packed is None:
            return False
        anchors = self.links_to_anchors
        self.store.put(
            self.key,
            KeptPage(
                packed_content=self._packed,
                packed_toc=pickle.dumps(self.toc, protocol=pickle.HIGHEST_PROTOCOL),
                title=self._title_from_render,
                anchors=self.present_anchor_ids,
                links_to_anchors=None
                if anchors is None
                else {target.src_uri: dict(links) for target, links in anchors.items()},
                lookups=tuple(self.lookups),
                search=search,
                shell=shell,
                packed=zlib.compress(output.encode("utf-8"), 1) if with_output else b"",
            ),
        )
        return True


class PackedFile(File):
    """A generated file that holds its text packed (see `Page`) until MkDocs reads it."""

    packed: bytes | None = None
    plain: str | bytes | None = None

    @classmethod
    def all_of(cls, config: Any, pages: Iterable[SitePage]) -> list[PackedFile]:
        """The file of each generated page, as `File.generated` makes it, with the settings
        it reads looked up once (each lookup goes through MkDocs' option objects: a third of
        a warm build's adding of its 12,000 pages)."""
        site_dir, directory_urls = config.site_dir, config.use_directory_urls
        made_by, undefined = config.plugins._current_plugin or "<unknown>", InclusionLevel.UNDEFINED
        files = []
        for page in pages:
            file = cls(page.path, None, site_dir, directory_urls, inclusion=undefined)
            file.generated_by, file.abs_src_path, file._content = made_by, None, ""
            file.packed = page.packed
            files.append(file)
        return files

    @property
    def src_path(self) -> str:  # MkDocs' attribute
        return os.path.normpath(self.src_uri)

    @src_path.setter
    def src_path(self, value: str) -> None:
        self.src_uri = posix_path(value)

    @property
    def _content(self) -> str | bytes | None:  # MkDocs' attribute
        return self.plain if self.packed is None else unpack(self.packed)

    @_content.setter
    def _content(self, value: str | bytes | None) -> None:
        self.packed, self.plain = None, value

    def _get_dest_path(self, use_directory_urls: bool | None = None) -> str:
        """Where MkDocs writes the page (`a/b.md` to `a/b/index.html` with folder addresses),
        worked out without its path functions for a page named as the site names its pages
        (a tenth of a warm build's passing of its kept pages); any other as MkDocs does."""
        uri = self.src_uri
        if use_directory_urls is None and self.use_directory_urls and uri.endswith(".md"):
            parent, _, name = uri.rpartition("/")
            stem = name[:-3]
            plain = "\\" not in uri and "//" not in uri and uri[0] != "/"
            if plain and stem and stem[0] != "." and stem not in ("index", "README"):
                return f"{parent}/{stem}/index.html" if parent else f"{stem}/index.html"
        return super()._get_dest_path(use_directory_urls)

    dest_uri = cached_property(_get_dest_path)

    def _get_url(self, use_directory_urls: bool | None = None) -> str:
        """The page's address, as MkDocs makes it (see `_get_dest_path`)."""
        if use_directory_urls is None and self.use_directory_urls:
            destination = self.dest_uri
            if destination.endswith("/index.html"):
                return urlquote(destination[: -len("index.html")])
        return super()._get_url(use_directory_urls)

    url = cached_property(_get_url)


def posix_path(path: str) -> str:
    """`PurePath(path).as_posix()`, as MkDocs names a file by its path: a generated page's
    path (the site's own, already so: no empty or "." part, on POSIX) as it is, without
    making a path object (a fifth of a warm build's adding of its 12,000 pages)."""
    if os.name == "posix" and "" not in (parts := path.split("/")) and "." not in parts:
        return path
    return PurePath(path).as_posix()


class PassedFile(PackedFile):
    """A generated page whose output is kept, written before the build makes its pages (see
    `KeptState.pass_through`): a file in place for MkDocs, which links to it as to the page
    and neither converts, renders, nor copies it."""

    def is_documentation_page(self) -> bool:
        return False

    def copy_file(self, dirty: bool = False) -> None:
        """Written already."""


PAGE_EVENTS = (
    "nav",
    "env",
    "pre_page",
    "page_read_source",
    "page_markdown",
    "page_content",
    "page_context",
    "post_page",
)
"""The events through which a plugin sees or changes a page, or what surrounds it."""


def only_known_hooks(plugins: Any, own: object) -> bool:
    """No plugin or hook sees a page but `own` and the theme's search (whose entries are kept
    with the page): a page written as it was kept is then the page a build makes."""
    for event in PAGE_EVENTS:
        for method in plugins.events.get(event, ()):
            owner = getattr(method, "__self__", None)
            if owner is own or (event == "page_context" and _is_search(owner)):
                continue
            return False
    return True


class Warned(logging.Handler):
    """Counts the warnings and errors logged to `loggers` while in use (shown as ever, by
    their own handlers)."""

    def __init__(self, loggers: tuple[str, ...] = ("mkdocs",)) -> None:
        super().__init__(logging.WARNING)
        self.loggers = loggers
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1

    def __enter__(self) -> Warned:
        for name in self.loggers:
            logging.getLogger(name).addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for name in self.loggers:
            logging.getLogger(name).removeHandler(self)


class _Lookups:
    """The site's files, noting each page a page's links look up and what was found."""

    def __init__(self, files: Files) -> None:
        self.files = files
        self.found: list[tuple[str, str]] = []
        self.missing = False

    def get_file_from_path(self, path: str) -> File | None:
        """The file at `path`, noted."""
        file = self.files.get_file_from_path(path)
        if file is None:
            self.missing = True
        else:
            self.found.append((file.src_uri, file.url))
        return file

    def __getattr__(self, name: str) -> Any:
        return getattr(self.files, name)


def _lookups_hold(lookups: Iterable[tuple[str, str]], files: Files) -> bool:
    by_path = files.src_uris  # the paths were noted as looked up: already in this form
    for path, url in lookups:
        file = by_path.get(path)
        if file is None or file.url != url:
            return False
    return True


def nav_titles(items: Iterable[Any]) -> dict[str, str | None]:
    """The title of each page the `nav` setting lists, by its path (None: untitled)."""
    titles: dict[str, str | None] = {}
    for item in items:
        if isinstance(item, str):
            titles.setdefault(item, None)
        elif isinstance(item, Mapping):
            for title, value in item.items():
                if isinstance(value, str):
                    titles.setdefault(value, str(title))
                elif isinstance(value, list):
                    for path, inner in nav_titles(value).items():
                        titles.setdefault(path, inner)
    return titles


def _anchor_links(kept: dict[str, dict[str, str]], files: Files) -> dict[File, dict[str, str]]:
    links = {}
    for path, anchors in kept.items():
        target = files.src_uris.get(posix_path(path))  # MkDocs' `get_file_from_path`
        if target is not None:
            links[target] = dict(anchors)
    return links


@dataclass
class KeptState:
    """One build's bookkeeping: the generated pages, the shell, the search index's entries."""

    generated: list[File] = field(default_factory=list)
    nav: Navigation | None = None
    shell: str = ""
    seen: int = 0
    pages: Sequence[File] | None = None
    """The site's pages as MkDocs listed them, when some were written ahead (`pass_through`):
    the templates are given this list, as in a build that writes every page."""
    places: dict[str, int] = field(default_factory=dict)
    """Each page's place in `pages`."""
    passed: list[tuple[int, str | Packed, PageStore, str]] = field(default_factory=list)
    """The pages written ahead, in order: their place, kept search entries, store and key."""
    passed_shell: str = ""
    """The shell the pages written ahead were kept with."""
    given: int = 0
    """How many of `passed` are in the search index."""
    anchored: list[KeptMarkdownPage] = field(default_factory=list)
    """The pages written ahead that link to anchors (checked as MkDocs checks its pages')."""
    keeping_written: bool = False
    """The pages are written as they are kept (no other plugin changes them after the
    theme): the store keeps them as written (see `PageStore.keep_written`)."""
    links: Links = field(default_factory=lambda: Links(_link))
    """The pages written ahead as second names of their kept files (see `links`)."""
    index: Any = None
    """The theme's search index (Material's search plugin), if any (see `entries`)."""
    read_here: tuple[Page, MutableMapping[str, Any], list[Section]] | None = None
    """The page the search plugin is seeing, its meta and its sections, when they were read
    here (see `before_search`)."""

    @property
    def entries(self) -> list[Any] | None:
        """The entries of the theme's search index, if there is one (dicts, and kept ones:
        see `search_json`)."""
        return None if self.index is None else self.index.entries

    def pass_through(
        self,
        config: Any,
        files: Files,
        nav: Navigation,
        finish: Callable[[bytes, Page], bytes],
        not_kept: Callable[[list[KeptMarkdownPage]], object] | None = None,
    ) -> int:
        """Write each generated page kept whole now (its kept output, `finish`ed as the build
        finishes a page after the theme): the build then leaves it out (see `PassedFile`).
        The number of pages written. Only when no other plugin sees a page (see
        `only_known_hooks`). The pages of which nothing is kept under their key are handed
        to `not_kept` first (they are made ahead meanwhile: see `ahead`), and never passed
        here (a page the other process keeps meanwhile is the build's to take)."""
        pages = files.documentation_pages()
        self.places = {file.src_uri: place for place, file in enumerate(pages)}
        self.shell = self.passed_shell = shell_digest(
            config, nav, converted_titles(nav, config, files)
        )
        self.passed, self.given, self.anchored = [], 0, []
        keyed = [(file, self._key(file, config)) for file in self.generated]
        unkept = set()
        if not_kept is not None:
            unkept = {
                file.src_uri
                for file, key in keyed
                if key is not None and not file.page.store.holds(key)  # type: ignore[union-attr]
            }
            not_kept([file.page for file, _ in keyed if file.src_uri in unkept])  # type: ignore[misc]
        rest = [
            file
            for file, key in keyed
            if key is None
            or file.src_uri in unkept
            or not self._pass(file, key, config, files, finish)
        ]
        self.links.start()
        written = len(self.generated) - len(rest)
        self.pages = pages if written else None
        self.generated = rest
        return written

    @staticmethod
    def _key(file: File, config: Any) -> str | None:
        """The key of a generated page's content (None: not a page kept by key)."""
        page = file.page
        if not isinstance(page, KeptMarkdownPage):
            return None
        packed = file.packed if isinstance(file, PackedFile) else None
        if packed is None:
            page.read_source(config)
        return page_key(page.content_key, file, page.source() if packed is None else packed)

    def _pass(
        self,
        file: File,
        key: str,
        config: Any,
        files: Files,
        finish: Callable[[bytes, Page], bytes],
    ) -> bool:
        page = file.page
        assert isinstance(page, KeptMarkdownPage)
        store, destination = page.store, file.abs_dest_path
        kept = store.head(key)
        if kept is None or kept.shell != self.shell or not _lookups_hold(kept.lookups, files):
            return False
        whole = None
        if not store.link(key, self.shell, destination, self.links):
            whole = kept if isinstance(kept, KeptPage) else store.get(key)
            if whole is None or not whole.packed:  # no output kept: the theme renders it
                return False
        page._title_from_render, page.present_anchor_ids = kept.title, kept.anchors
        if kept.links_to_anchors:
            page.links_to_anchors = _anchor_links(kept.links_to_anchors, files)
            self.anchored.append(page)
        if whole is not None:
            if page.markdown is None:
                Page.read_source(page, config)  # its meta, for its title (no key to make)
            output = finish(whole.written, page)
            if self.links.recycled is not None:  # the last site's file there: never written
                self.links.recycled.release([destination])  # into, nor removed once written
            if output and not output.isspace():  # MkDocs writes no blank page
                write_file(output, destination)
                store.wrote(key, destination)
        if page.lean:
            page.markdown = file.content_string = ""
        _ = file.dest_uri, file.url  # as a page's: kept as the file becomes a passed one
        file.__class__ = PassedFile
        self.passed.append((self.places[file.src_uri], kept.search, page.store, key))
        page.store.hits += 1
        return True

    def start(self, config: Mapping[str, Any]) -> None:
        """Before the pages are written: pages whose output is kept use the kept-page
        template; pages whose content is kept are not parsed for search again (their kept
        entries are added in their place: an entry is made of the content, the title, the
        address and the table of contents alone)."""
        self.shell = shell_digest(config, self.nav) if self.nav is not None else ""
        if self.passed and self.shell != self.passed_shell:
            for _, _, store, key in self.passed:  # the next build makes them
                store.forget(key)
            raise PluginError(
                f"funnel: {len(self.passed)} page(s) were written as kept around a "
                "navigation other than this build's; they are forgotten: build again"
            )
        self.index = _search_index(config)
        self.seen = len(self.index.entries) if self.index is not None else 0
        if self.index is not None and not hasattr(self.index, WRITES_KEPT):
            self.index.generate_search_index = write_index(
                self.index, self.index.generate_search_index
            )
            setattr(self.index, WRITES_KEPT, True)
        for file in self.generated:
            page = file.page
            if isinstance(page, KeptMarkdownPage) and page.kept is not None:
                self._take_whole(page)

    def adopt(self, page: KeptMarkdownPage, written: bool = False) -> None:
        """`page`, about to be rendered, was made ahead (see `ahead`): written as it was
        kept, when it was kept whole and with this build's shell; left as the process that
        made it wrote it into the site (`written`), then."""
        if page.key is None or page.whole:
            return
        kept = page.store.get(page.key)
        if kept is not None:
            page.kept = kept
            page.written_ahead = written
            self._take_whole(page)

    def _take_whole(self, page: KeptMarkdownPage) -> None:
        """`page` is written as it was kept when its kept shell is this build's and its
        output is kept (or the process that made it wrote it); else the theme renders it,
        with its meta as read (the theme's templates look at it)."""
        assert page.kept is not None
        kept_output = bool(page.kept.packed) or page.written_ahead
        page.whole = page.kept.shell == self.shell and kept_output
        if not page.whole:
            return
        page.content = ""  # not printed (the kept output is): nothing to decompress
        meta = {**page.meta, "template": KEPT_TEMPLATE}
        if self.entries is not None:
            meta["search"] = {**(meta.get("search") or {}), "exclude": True}
        page.meta = meta

    def before_search(self, page: Page, context: MutableMapping[str, Any]) -> None:
        """The entries of the pages written ahead that come before `page` go into the
        search index first. A page whose content is kept (its output not) is not parsed
        for search again: hidden from the search plugin until `after_search`, which gives
        its meta back."""
        if self.pages is not None:
            context["pages"] = self.pages
            self._give(self.places.get(page.file.src_uri, -1))
        if self.entries is None:
            return
        if isinstance(page, KeptMarkdownPage) and page.kept is not None:
            if not page.whole:
                page.meta_as_read = page.meta
                search = {**(page.meta.get("search") or {}), "exclude": True}
                page.meta = {**page.meta, "search": search}
            return
        self._read_for_search(page)

    def _read_for_search(self, page: Page) -> None:
        """Divide the page into its search sections here, faster than the search plugin does
        (see `search_sections`), when its HTML is plain enough: the plugin is shown the page
        as excluded from search, and `after_search` adds its entries in their place."""
        search = page.meta.get("search") or {}
        if self.index is None or search.get("exclude") or not page.content:
            return
        found = sections(page.content)
        if found is None:
            return
        self.read_here = (page, page.meta, found)
        page.meta = {**page.meta, "search": {**search, "exclude": True}}

    def _give(self, before: int | None) -> None:
        """Put the kept entries of the pages written ahead, up to place `before` (all: None),
        into the search index."""
        if self.entries is None:
            return
        while self.given < len(self.passed) and (
            before is None or self.passed[self.given][0] < before
        ):
            add(self.entries, self.passed[self.given][1])
            self.given += 1
        self.seen = len(self.entries)

    def after_search(self, page: Page) -> None:
        """The page's meta as read, for the theme's templates."""
        if isinstance(page, KeptMarkdownPage) and page.meta_as_read is not None:
            page.meta, page.meta_as_read = page.meta_as_read, None
        if self.read_here is not None and self.read_here[0] is page:
            _, page.meta, found = self.read_here
            self.read_here = None
            for section in found:
                if not section.excluded:
                    self.index.create_entry_for_section(section, page.toc, page.url, page)

    def page_done(self, page: Page, output: str) -> None:
        """After the theme made `page`: keep it, or put its kept search entries in place."""
        new = self.entries[self.seen :] if self.entries is not None else []
        if isinstance(page, KeptMarkdownPage):
            kept = page.kept
            # a page kept as written, linked from the store, keeps no second copy of its
            # output (a first build compressed 600 MB for it at 10,000 deals)
            with_output = not (self.keeping_written and page.store.keeps_written())
            if kept is None:
                page.store.rendered += 1
                written = page.keep(output, encoded(new), self.shell, with_output)
            else:
                page.store.hits += 1
                if self.entries is not None:
                    add(self.entries, kept.search)
                written = page.whole or page.keep(output, kept.search, self.shell, with_output)
            if written and self.keeping_written and page.key is not None:
                page.store.wrote(page.key, page.destination or page.file.abs_dest_path)
            page.kept, page.lookups = None, None  # written: not held for the rest of the build
            if page.lean:
                page.content = None
        if self.entries is not None:
            self.seen = len(self.entries)

    def finish(self, files: Files, anchors: int) -> None:
        """Every page is written: the search entries of the pages written ahead after the
        last page are given; their links to anchors are checked (`anchors`: the level of
        MkDocs' message). The pages written ahead as links are in place.

        The kept entries are unpacked first, while the links are still being made."""
        self._give(None)
        if self.entries is not None:
            unpack_entries(self.entries)
        failed = self.links.wait()
        if failed:
            for existing, _ in failed:  # the next build writes them
                Path(existing).unlink(missing_ok=True)
            raise PluginError(
                f"funnel: {len(failed)} page(s) could not be linked into the site (is the "
                f"disk full?), first {failed[0][1]}: build again"
            )
        for page in self.anchored:
            page.validate_anchor_links(files=files, log_level=anchors)
        self.anchored = []


def _current(fields: dict[str, Any], whole: bool = True) -> bool:
    """Whether a kept page's fields (or its head's: not `whole`) are this version's: its
    search entries in JSON (a head's `packed`, compressed or not), and its toc pickled apart."""
    search = fields.get("search")
    if not whole:
        return isinstance(search, Packed | Encoded) or search == ""
    return isinstance(search, str) and isinstance(fields.get("packed_toc"), bytes)


def _search_index(config: Mapping[str, Any]) -> Any:
    """The theme's search index (Material's search plugin), if any."""
    for plugin in config["plugins"].values():
        index = getattr(plugin, "search_index", None)
        enabled = getattr(getattr(plugin, "config", None), "enabled", True)
        if isinstance(getattr(index, "entries", None), list) and _is_search(plugin) and enabled:
            return index
    return None


def converted_titles(nav: Navigation, config: Any, files: Files) -> dict[str, str | None]:
    """The titles that the navigation's pages of the team's own (`docs/`) take from their
    conversion, before the build converts them: each converted apart, quietly (the build
    converts it again, and says what is wrong with it)."""
    titles = {}
    for page in nav.pages:
        if isinstance(page, KeptMarkdownPage) or "title" in vars(page) or page.markdown is not None:
            continue
        file = page.file
        apart = Page(None, file, config)
        file.page = page
        logging.disable(logging.CRITICAL)
        try:
            apart.read_source(config)
            apart.render(config, files)
        finally:
            logging.disable(logging.NOTSET)
        titles[file.src_uri] = apart.title
    return titles


def _is_search(plugin: object) -> bool:
    return type(plugin).__module__.startswith("material.plugins.search")
