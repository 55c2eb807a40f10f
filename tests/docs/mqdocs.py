"""What the docs checks read: a tool's --help (options, their values and defaults) and a man
page's sections and OPTIONS entries, as plain text. Used by the check-* scripts beside it."""

import re
import subprocess
from dataclasses import dataclass, field

OPTION_NAME = r"--?[A-Za-z0-9][A-Za-z0-9-]*"
# The value names CLI11 derives from a C++ type; any other value name was chosen by us.
GENERIC_VALUES = {"TEXT", "INT", "UINT", "FLOAT", "NUMBER", "BOOLEAN"}
DESCRIPTION_COLUMN = 32  # ToolApp's column_width


@dataclass
class HelpOption:
    names: list
    group: str
    value: str = ""  # "INT", "CMD NAME VALUE", "[=text|json]"; empty for a flag
    default: str = ""  # "[1883]" after the value, else "[default: ...]" of the description
    description: str = ""


def help_text(tool, *words):
    return subprocess.run([tool, *words, "--help"], check=True, capture_output=True, text=True).stdout


def help_options(tool, *words):
    """The options of `tool words... --help`, under the group headings they are listed in."""
    lines = help_text(tool, *words).splitlines()
    options, group = [], ""
    for number, line in enumerate(lines):
        if re.match(r"^\S.*:$", line):
            group = line[:-1]
        elif line.startswith("  -"):
            following = lines[number + 1] if number + 1 < len(lines) else ""
            if following.startswith(" " * DESCRIPTION_COLUMN):  # too long: description below
                options.append(parse_help_line(line.strip(), following.strip(), group))
            else:
                first, description = line[:DESCRIPTION_COLUMN], line[DESCRIPTION_COLUMN:]
                options.append(parse_help_line(first.strip(), description, group))
    return options


def parse_help_line(first, description, group):
    """ "-p,--port INT [1883]" and its description; "--probe [=text|json]" takes an optional value."""
    names, _, value = first.partition(" ")
    default = ""
    shown = re.match(r"^(.*?) \[(.*)\]$", value)
    if shown and not value.startswith("["):
        value, default = shown.groups()
    else:
        stated = re.search(r"\[default: (.*)\]", description)
        default = stated.group(1) if stated else ""
    value = re.sub(r" \.\.\.$", "", value)
    return HelpOption(names.split(","), group, value, default, description.strip())


def subcommands(tool):
    """The subcommands `tool --help` lists under "Subcommands:"."""
    text = help_text(tool)
    block = re.search(r"^Subcommands:\n((?:  .*\n)+)", text, re.M)
    return re.findall(r"^  ([a-z][a-z0-9-]*) ", block.group(1), re.M) if block else []


# --- man pages -------------------------------------------------------------------------------

ESCAPES = [(r"\-", "-"), (r"\&", ""), (r"\(bu", "*"), (r"\(aq", "'"), (r"\e", "\\"), (r"\ ", " ")]


def roff_words(arguments):
    return [word.strip('"') for word in re.findall(r'"[^"]*"|\S+', arguments)]


def roff_text(line):
    """The text a roff line shows: font macros' arguments (.BR alternates without spaces)."""
    macro = re.match(r"^\.([A-Za-z]+)\s*(.*)$", line)
    if macro:
        name, arguments = macro.groups()
        if name in ("B", "I", "SM"):
            line = " ".join(roff_words(arguments))
        elif name in ("BR", "RB", "BI", "IB", "IR", "RI"):
            line = "".join(roff_words(arguments))
        else:
            return ""
    line = re.sub(r"\\f[BIRP]|\\f\[[A-Z]*\]", "", line)
    for escape, text in ESCAPES:
        line = line.replace(escape, text)
    return line


def man_sections(page):
    """{".SH title": [source lines]} of a man page."""
    sections, title = {}, ""
    with open(page, encoding="utf-8") as source:
        for line in source.read().splitlines():
            if line.startswith(".SH "):
                title = line[4:].strip('"')
                sections[title] = []
            elif title:
                sections[title].append(line)
    return sections


def section_text(lines):
    return " ".join(filter(None, (roff_text(line) for line in lines)))


@dataclass
class ManEntry:
    names: list
    argument: str  # "port", "[=text|json]"; empty for a flag
    subsection: str  # the .SS title
    body: list = field(default_factory=list)  # source lines

    def text(self):
        return section_text(self.body)


def man_entries(page, section="OPTIONS"):
    """The .TP entries of a section whose tag starts with an option: their names, argument and
    body. A .TP inside .RS ... .RE belongs to the body of the entry around it."""
    entries, subsection, depth, entry, tag_next = [], "", 0, None, False
    for line in man_sections(page).get(section, []):
        if tag_next:
            entry = parse_tag(roff_text(line), subsection)
            if entry:
                entries.append(entry)
            tag_next = False
        elif line.startswith(".SS "):
            subsection, entry = line[4:].strip('"'), None
        elif line.startswith(".TP") and depth == 0:
            tag_next = True
        elif line.startswith((".PP", ".LP", ".P ")) and depth == 0:
            entry = None
        else:
            depth += line.startswith(".RS") - line.startswith(".RE")
            if entry:
                entry.body.append(line)
    return entries


def parse_tag(tag, subsection):
    """ "-p, --port port" gives names -p, --port and argument "port"; None if no option."""
    names = []
    while match := re.match(rf"^({OPTION_NAME})(, )?", tag):
        names.append(match.group(1))
        tag = tag[match.end():]
    return ManEntry(names, tag.strip(), subsection) if names else None


# --- subcommands: which entries of the page belong to which --help -----------------------------

# "(pub, pubsub)" at the start of an entry or of one of its sentences: what follows is about
# those subcommands only. At the end of a .SS title: the subsection's entries are theirs.
MARKER = r"(?:^|(?<=\. ))\(([a-z][a-z0-9-]*(?:, [a-z][a-z0-9-]*)*)\) ?"


@dataclass
class Scope:
    name: str  # the tool, or a subcommand
    words: list  # what goes before --help
    options: list  # HelpOption
    entries: list  # (ManEntry, the text of the entry about this scope)


def marked(text, names):
    """The scopes a marker's text names, or None when it is not a marker of these names."""
    words = text.split(", ")
    return set(words) if all(word in names for word in words) else None


def heading_scopes(subsection, names):
    match = re.search(r"\(([^()]*)\)$", subsection)
    return (match and marked(match.group(1), names)) or set()


def entry_parts(entry, names, heading):
    """[(scopes, text)]: the entry's text split at its markers, each part with its scopes; text
    before any marker is about all of them, an entry without markers is its subsection's."""
    text = entry.text()
    cuts = [(m, marked(m.group(1), names)) for m in re.finditer(MARKER, text)]
    cuts = [(m, scopes) for m, scopes in cuts if scopes]
    if not cuts:
        return [(heading, text)]
    everyone = set().union(*(scopes for _, scopes in cuts))
    parts = [(everyone, text[: cuts[0][0].start()])]
    for (match, scopes), following in zip(cuts, cuts[1:] + [(None, None)]):
        end = following[0].start() if following[0] else len(text)
        parts.append((scopes, text[match.end():end]))
    return parts


def scopes(tool, page):
    """The tool's --help and its whole page; with subcommands, one scope for the tool alone and
    one per subcommand, each with the entries (and parts of entries) that name it. Also returns
    the entries that name no scope."""
    name = tool.rsplit("/", 1)[-1]
    names = [name] + subcommands(tool)
    result = [Scope(scope, [] if scope == name else [scope], [], []) for scope in names]
    unscoped = []
    for entry in man_entries(page):
        heading = heading_scopes(entry.subsection, names) if len(names) > 1 else {name}
        parts = entry_parts(entry, names, heading)
        if not any(scopes for scopes, _ in parts):
            unscoped.append(entry)
        for scope in result:
            if any(scope.name in scopes for scopes, _ in parts):
                scope.entries.append((entry, " ".join(t for s, t in parts if scope.name in s)))
    for scope in result:
        scope.options = help_options(tool, *scope.words)
    return result, unscoped
