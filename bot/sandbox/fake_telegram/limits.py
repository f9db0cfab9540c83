"""What Telegram refuses, checked the way Telegram checks it.

The fake Bot API (`server.py`) refuses a call with the same status and description as the real
Bot API, and `tests/test_message_limits.py` measures every product message against the same
numbers. Telegram counts a text after parsing its markup (tags don't count, `&lt;` is one
character) and in UTF-16 code units (an emoji outside the BMP counts two).

The markup parsers follow TDLib's (`td/telegram/MessageEntity.cpp`, which the Bot API server
runs): the same tags, the same entity decoding and the same error texts for the faults people
make (an unknown or unclosed tag, a stray `<`, an unescaped MarkdownV2 character). A hand-written
scanner rather than `html.parser`, because the stdlib parser accepts what Telegram refuses (a
bare `<`, `<b/>`, comments) and decodes every HTML5 entity where Telegram decodes four.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

MESSAGE_TEXT_LIMIT = 4096  # UTF-16 code units, after entity parsing
CAPTION_LIMIT = 1024  # the same, for a photo's or document's caption
RAW_TEXT_LIMIT = 1 << 15  # bytes of the text as sent, before parsing (the Bot API's own cap)
CALLBACK_DATA_LIMIT = 64  # bytes of UTF-8
CALLBACK_ANSWER_LIMIT = 200  # characters of an answerCallbackQuery notification
INLINE_KEYBOARD_BUTTON_LIMIT = 100  # buttons in one inline keyboard

# Telegram's own wording, as the Bot API answers (see `fail_query_with_error` in its Client.cpp).
MESSAGE_TOO_LONG = "Bad Request: message is too long"
MESSAGE_TEXT_EMPTY = "Bad Request: message text is empty"
MESSAGE_MUST_BE_NON_EMPTY = "Bad Request: message must be non-empty"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
TEXT_TOO_LONG = "Bad Request: text is too long"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
BUTTON_TEXT_EMPTY = "Bad Request: inline keyboard button text must be non-empty"
TEXT_BUTTONS_UNALLOWED = (
    "Bad Request: can't parse inline keyboard button: "
    "Text buttons are unallowed in the inline keyboard"
)
REPLY_MARKUP_TOO_LONG = "Bad Request: reply markup is too long"
CALLBACK_ANSWER_TOO_LONG = "Bad Request: MESSAGE_TOO_LONG"
CANT_PARSE_ENTITIES = "Bad Request: can't parse entities: "
UNSUPPORTED_PARSE_MODE = "Bad Request: unsupported parse_mode"
MESSAGE_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
MESSAGE_TO_EDIT_NOT_FOUND = "Bad Request: message to edit not found"
MESSAGE_TO_DELETE_NOT_FOUND = "Bad Request: message to delete not found"
NO_TEXT_TO_EDIT = "Bad Request: there is no text in the message to edit"
QUERY_ID_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)


class TelegramRefusalError(Exception):
    """Telegram refused the call: the HTTP status and the body's description and parameters."""

    def __init__(self, description: str, status: int = 400, parameters: JSON | None = None):
        super().__init__(description)
        self.description = description
        self.status = status
        self.parameters = parameters

    def body(self) -> JSON:
        """The JSON body Telegram answers a refused call with."""
        data: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters is not None:
            data["parameters"] = self.parameters
        return data


@dataclass(frozen=True)
class FormattedText:
    """A text as Telegram stores it: the markup parsed away, entities in UTF-16 offsets."""

    text: str
    entities: list[JSON] = field(default_factory=list)


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def check_message_text(text: str, parse_mode: str | None) -> FormattedText:
    """Parse a sendMessage/editMessageText text, or refuse it as Telegram would."""
    if not text:
        raise TelegramRefusalError(MESSAGE_TEXT_EMPTY)
    formatted = parse_text(text, parse_mode)
    visible = formatted.text.strip()
    if not visible:
        raise TelegramRefusalError(MESSAGE_MUST_BE_NON_EMPTY)
    if utf16_length(visible) > MESSAGE_TEXT_LIMIT:
        raise TelegramRefusalError(MESSAGE_TOO_LONG)
    return formatted


def check_caption(caption: str | None, parse_mode: str | None) -> FormattedText | None:
    """Parse a media caption (optional, may be empty), or refuse it as Telegram would."""
    if not caption:
        return None
    formatted = parse_text(caption, parse_mode)
    if utf16_length(formatted.text.strip()) > CAPTION_LIMIT:
        raise TelegramRefusalError(CAPTION_TOO_LONG)
    return formatted


def check_callback_answer(text: str | None) -> None:
    """answerCallbackQuery's notification text: at most 200 characters."""
    if text and utf16_length(text) > CALLBACK_ANSWER_LIMIT:
        raise TelegramRefusalError(CALLBACK_ANSWER_TOO_LONG)


def check_reply_markup(markup: JSON | None) -> None:
    """Refuse an inline keyboard Telegram would refuse (reply keyboards are not checked)."""
    if not markup or "inline_keyboard" not in markup:
        return
    buttons = [button for row in markup["inline_keyboard"] for button in row]
    # The Bot API server parses each button's type first, TDLib then checks the text, and
    # Telegram's servers the keyboard's size and each button's data.
    for button in buttons:
        if not any(button.get(kind) for kind in _BUTTON_KINDS):
            raise TelegramRefusalError(TEXT_BUTTONS_UNALLOWED)
    for button in buttons:
        if not str(button.get("text") or ""):
            raise TelegramRefusalError(BUTTON_TEXT_EMPTY)
    if len(buttons) > INLINE_KEYBOARD_BUTTON_LIMIT:
        raise TelegramRefusalError(REPLY_MARKUP_TOO_LONG)
    for button in buttons:
        data = button.get("callback_data")
        if data is not None and len(str(data).encode()) > CALLBACK_DATA_LIMIT:
            raise TelegramRefusalError(BUTTON_DATA_INVALID)


# Every field that gives an inline button something to do; an empty callback_data is absent.
_BUTTON_KINDS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def parse_text(text: str, parse_mode: str | None) -> FormattedText:
    """Strip `text`'s markup as Telegram does under `parse_mode` (None: plain text)."""
    if len(text.encode()) > RAW_TEXT_LIMIT:
        raise TelegramRefusalError(TEXT_TOO_LONG)
    mode = (parse_mode or "").lower()
    try:
        if mode in ("", "none"):
            return FormattedText(text)
        if mode == "html":
            return _HtmlParser(text).parse()
        if mode == "markdownv2":
            return _MarkdownV2Parser(text).parse()
        if mode == "markdown":
            return _parse_legacy_markdown(text)
    except _MarkupError as exc:
        raise TelegramRefusalError(CANT_PARSE_ENTITIES + str(exc)) from exc
    raise TelegramRefusalError(UNSUPPORTED_PARSE_MODE)


class _MarkupError(Exception):
    """A markup fault, in TDLib's words (the caller adds "can't parse entities: ")."""


class _Output:
    """The parsed text being built, with its length in UTF-16 code units so far."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.utf16 = 0
        self.entities: list[JSON] = []

    def append(self, char: str) -> None:
        self.parts.append(char)
        self.utf16 += 2 if ord(char) > 0xFFFF else 1

    def entity(self, kind: str, offset: int, **extra: Any) -> None:
        if self.utf16 > offset:  # Telegram drops empty entities
            self.entities.append({"type": kind, "offset": offset, "length": self.utf16 - offset})
            self.entities[-1].update(extra)

    def result(self) -> FormattedText:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return FormattedText("".join(self.parts), entities)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


# --- HTML -----------------------------------------------------------------------------------

_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n\v\f\0"


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int


class _HtmlParser:
    """TDLib's HTML parser: the supported tags, four named entities and numeric references."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out = _Output()
        self.open: list[_OpenTag] = []

    def at(self, index: int) -> str:
        """The character at `index`, or NUL past the end (TDLib reads a C string)."""
        return self.text[index] if index < len(self.text) else "\0"

    def error(self, message: str, index: int | None = None) -> _MarkupError:
        if index is None:
            return _MarkupError(message)
        return _MarkupError(f"{message} at byte offset {_byte_offset(self.text, index)}")

    def parse(self) -> FormattedText:
        i = 0
        while i < len(self.text):
            char = self.text[i]
            if char == "&":
                decoded, i = self.decode_entity(i)
                if decoded is not None:
                    self.out.append(decoded)
                    continue
            if char != "<":
                self.out.append(char)
                i += 1
                continue
            i = self.end_tag(i) if self.at(i + 1) == "/" else self.start_tag(i)
        if self.open:
            raise self.error(
                f'Can\'t find end tag corresponding to start tag "{self.open[-1].name}"'
            )
        if any(0xD800 <= ord(c) <= 0xDFFF for c in self.out.parts):
            raise self.error(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        return self.out.result()

    def decode_entity(self, i: int) -> tuple[str | None, int]:
        """Decode `&lt;`, `&gt;`, `&amp;`, `&quot;` or `&#...;` at `i` (the `;` is optional);
        anything else stays literal text."""
        end = i + 1
        if self.at(end) == "#":
            end += 1
            hexadecimal = self.at(end) == "x"
            if hexadecimal:
                end += 1
            digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
            start = end
            while self.at(end) in digits and self.at(end) != "\0":
                end += 1
            if start == end or end - i >= 10:
                return None, i
            code = int(self.text[start:end], 16 if hexadecimal else 10)
            if code == 0 or code >= 0x10FFFF:
                return None, i
            decoded = chr(code)
        else:
            while self.at(end).isascii() and self.at(end).isalpha():
                end += 1
            named = _NAMED_ENTITIES.get(self.text[i + 1 : end])
            if named is None:
                return None, i
            decoded = named
        return decoded, end + 1 if self.at(end) == ";" else end

    def start_tag(self, begin: int) -> int:
        i = begin + 1
        while self.at(i) not in _SPACES and self.at(i) != ">":
            i += 1
        if self.at(i) == "\0":
            raise self.error("Unclosed start tag", begin)
        name = self.text[begin + 1 : i].lower()
        if name not in _HTML_ENTITY_TYPES:
            raise self.error(f'Unsupported start tag "{name}"', begin)
        argument = ""
        while self.at(i) != ">":
            while self.at(i) != "\0" and self.at(i) in _SPACES:
                i += 1
            if self.at(i) == ">":
                break
            attribute_begin = i
            while self.at(i) not in _SPACES and self.at(i) not in "=>":
                i += 1
            attribute = self.text[attribute_begin:i]
            if not attribute:
                raise self.error(f'Empty attribute name in the tag "{name}"', begin)
            while self.at(i) != "\0" and self.at(i) in _SPACES:
                i += 1
            if self.at(i) != "=":
                if self.at(i) == "\0":
                    raise self.error("Unclosed start tag", begin)
                # An attribute without a value (`<blockquote expandable>`).
                argument = _tag_argument(name, attribute, "", argument)
                continue
            i += 1
            while self.at(i) != "\0" and self.at(i) in _SPACES:
                i += 1
            if self.at(i) == "\0":
                raise self.error(f'Unclosed start tag "{name}"', begin)
            value, i = self.attribute_value(i)
            if self.at(i) == "\0":
                raise self.error("Unclosed start tag", begin)
            argument = _tag_argument(name, attribute, value, argument)
        if name == "span" and argument != "spoiler":
            raise self.error('Tag "span" must have class "tg-spoiler"', begin)
        self.open.append(_OpenTag(name, argument, self.out.utf16))
        return i + 1

    def attribute_value(self, i: int) -> tuple[str, int]:
        quote = self.at(i)
        if quote not in "'\"":
            start = i  # a name token: letters, digits, periods and hyphens
            while self.at(i).isascii() and (self.at(i).isalnum() or self.at(i) in ".-"):
                i += 1
            if self.at(i) not in _SPACES and self.at(i) != ">":
                raise self.error("Unexpected end of name token", start)
            return self.text[start:i].lower(), i
        i += 1
        value: list[str] = []
        while self.at(i) != quote and self.at(i) != "\0":
            if self.at(i) == "&":
                decoded, after = self.decode_entity(i)
                if decoded is not None:
                    value.append(decoded)
                    i = after
                    continue
            value.append(self.at(i))
            i += 1
        if self.at(i) == quote:
            i += 1
        return "".join(value), i

    def end_tag(self, begin: int) -> int:
        if not self.open:
            raise self.error("Unexpected end tag", begin)
        i = begin + 2
        while self.at(i) not in _SPACES and self.at(i) != ">":
            i += 1
        found = self.text[begin + 2 : i]
        while self.at(i) != "\0" and self.at(i) in _SPACES:
            i += 1
        if self.at(i) != ">":
            raise self.error("Unclosed end tag", begin)
        tag = self.open.pop()
        if found and found != tag.name:
            raise self.error(
                f"Unmatched end tag at byte offset {_byte_offset(self.text, begin)}, "
                f'expected "</{tag.name}>", found "</{found}>"'
            )
        kind = _HTML_ENTITY_TYPES[tag.name]
        if kind == "text_link":
            if tag.argument:
                self.out.entity(kind, tag.utf16_offset, url=tag.argument)
        elif kind == "blockquote" and tag.argument == "expandable":
            self.out.entity("expandable_blockquote", tag.utf16_offset)
        elif kind == "custom_emoji":
            self.out.entity(kind, tag.utf16_offset, custom_emoji_id=tag.argument)
        elif kind == "pre" and tag.argument:
            self.out.entity(kind, tag.utf16_offset, language=tag.argument)
        else:
            self.out.entity(kind, tag.utf16_offset)
        return i + 1


def _tag_argument(tag: str, attribute: str, value: str, current: str) -> str:
    """The one attribute each tag keeps (a link's href, a spoiler span's class, ...)."""
    attribute = attribute.lower()
    if tag == "a" and attribute == "href":
        return value
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    if tag == "blockquote" and attribute == "expandable":
        return "expandable"
    if tag in ("code", "pre") and attribute == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    return current


# --- MarkdownV2 -----------------------------------------------------------------------------

_MARKDOWN_V2_RESERVED = "_*[]()~`>#+-=|{}.!"


@dataclass
class _OpenMarkdown:
    kind: str  # TDLib's entity name, as its error texts spell it
    utf16_offset: int
    byte_index: int
    begin: int  # index in the output where the entity's text starts


class _MarkdownV2Parser:
    """TDLib's MarkdownV2 parser: reserved characters and entities that must be closed."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out = _Output()
        self.open: list[_OpenMarkdown] = []

    def at(self, index: int) -> str:
        return self.text[index] if index < len(self.text) else "\0"

    def parse(self) -> FormattedText:
        i = 0
        while i < len(self.text):
            char = self.text[i]
            if char == "\\" and "\0" < self.at(i + 1) <= "~":
                self.out.append(self.text[i + 1])
                i += 2
                continue
            inside = self.open[-1].kind if self.open else ""
            reserved = "`" if inside in ("Code", "Pre", "PreCode") else _MARKDOWN_V2_RESERVED
            if char not in reserved:
                self.out.append(char)
                i += 1
                continue
            i = self.close(i) if inside and self.closes(inside, i) else self.begin(i)
        if self.open:
            entity = self.open[-1]
            offset = _byte_offset(self.text, entity.byte_index)
            raise _MarkupError(f"Can't find end of {entity.kind} entity at byte offset {offset}")
        return self.out.result()

    def closes(self, kind: str, i: int) -> bool:
        char, after = self.text[i], self.at(i + 1)
        return {
            "Bold": char == "*",
            "Italic": char == "_" and after != "_",
            "Underline": char == "_" and after == "_",
            "Strikethrough": char == "~",
            "Spoiler": char == "|" and after == "|",
            "Code": char == "`",
            "Pre": self.text.startswith("```", i),
            "PreCode": self.text.startswith("```", i),
            "TextUrl": char == "]",
        }[kind]

    def begin(self, i: int) -> int:
        char, start = self.text[i], i
        if char == "_" and self.at(i + 1) == "_":
            kind, i = "Underline", i + 2
        elif char in "_*~":
            kind, i = {"_": "Italic", "*": "Bold", "~": "Strikethrough"}[char], i + 1
        elif char == "|" and self.at(i + 1) == "|":
            kind, i = "Spoiler", i + 2
        elif char == "[":
            kind, i = "TextUrl", i + 1
        elif char == "`" and self.text.startswith("```", i):
            i += 3
            language_end = i
            while self.at(language_end) not in _SPACES and self.at(language_end) != "`":
                language_end += 1
            kind = "Pre"
            if language_end != i and self.at(language_end) not in ("`", "\0"):
                kind, i = "PreCode", language_end
            if self.at(i) in "\r\n" and self.at(i) != "\0":
                i += 1
        elif char == "`":
            kind, i = "Code", i + 1
        elif char == ">" and (i == 0 or self.text[i - 1] == "\n"):
            return i + 1  # a blockquote line: the marker is not text
        else:
            raise _MarkupError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        self.open.append(_OpenMarkdown(kind, self.out.utf16, start, len(self.out.parts)))
        return i

    def close(self, i: int) -> int:
        entity = self.open.pop()
        kind = entity.kind
        i += {"Underline": 2, "Spoiler": 2, "Pre": 3, "PreCode": 3}.get(kind, 1)
        if kind == "TextUrl":
            url = "".join(self.out.parts[entity.begin :])
            if self.at(i) == "(":
                i += 1
                url_begin, chars = i, []
                while i < len(self.text) and self.text[i] != ")":
                    if self.text[i] == "\\" and "\0" < self.at(i + 1) <= "~":
                        i += 1
                    chars.append(self.text[i])
                    i += 1
                if self.at(i) != ")":
                    offset = _byte_offset(self.text, url_begin)
                    raise _MarkupError(f"Can't find end of a URL at byte offset {offset}")
                url, i = "".join(chars), i + 1
            self.out.entity("text_link", entity.utf16_offset, url=url)
            return i
        names = {"PreCode": "pre", "TextUrl": "text_link"}
        self.out.entity(names.get(kind, kind.lower()), entity.utf16_offset)
        return i


# --- legacy Markdown ------------------------------------------------------------------------


def _parse_legacy_markdown(text: str) -> FormattedText:
    """TDLib's parser for the old "Markdown" mode: `*bold*`, `_italic_`, `` `code` ``, links."""
    out = _Output()
    kinds = {"*": "bold", "_": "italic", "`": "code", "[": "text_link"}
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and text[i + 1 : i + 2] in ("_", "*", "`", "["):
            out.append(text[i + 1])
            i += 2
            continue
        if char not in kinds:
            out.append(char)
            i += 1
            continue
        begin, offset, closing = i, out.utf16, "]" if char == "[" else char
        is_pre = text.startswith("```", i)
        i += 3 if is_pre else 1
        while i < len(text) and not (text.startswith("```", i) if is_pre else text[i] == closing):
            out.append(text[i])
            i += 1
        if i >= len(text):
            offset_bytes = _byte_offset(text, begin)
            raise _MarkupError(
                f"Can't find end of the entity starting at byte offset {offset_bytes}"
            )
        i += 3 if is_pre else 1
        if char == "[" and text[i : i + 1] == "(":
            end = text.find(")", i)
            url, i = (text[i + 1 : end], end + 1) if end >= 0 else (text[i + 1 :], len(text))
            out.entity("text_link", offset, url=url)
        elif char != "[":
            out.entity("pre" if is_pre else kinds[char], offset)
    return out.result()
