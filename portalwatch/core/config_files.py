"""Reading the YAML files users edit (sources, plans, taxonomy) with errors a user can act on.

Every failure is one Vietnamese line: the file, the line and column where known, what is wrong and
what to do. Items are validated with pydantic; the line of the item at fault comes from the YAML nodes.
"""

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

Model = TypeVar("Model", bound=BaseModel)


# pydantic's messages for the mistakes people make in these files, in Vietnamese.
_MESSAGES = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không được hỗ trợ",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "greater_than": "phải lớn hơn {gt}",
    "int_parsing": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "float_parsing": "phải là số",
    "bool_parsing": "phải là true hoặc false",
    "string_type": "phải là một chuỗi",
    "list_type": "phải là một danh sách",
    "dict_type": "phải là một bảng khóa: giá trị",
    "model_type": "phải là một bảng khóa: giá trị",
    "too_short": "không được để trống",
    "string_too_short": "không được để trống",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_type": "phải là ngày dạng YYYY-MM-DD",
}


# libyaml's parser where PyYAML was built with it: several times faster on the labelled examples.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    """Dates stay text for pydantic to read: then a bad one (month 13) is reported with its item's line."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}


class ConfigError(ValueError):
    """A configuration file or setting that cannot be used; the message is the whole explanation."""


def where(path: Path, line: int | None = None, column: int | None = None) -> str:
    if line is None:
        return str(path)
    return f"{path}, dòng {line}" + (f", cột {column}" if column is not None else "")


def describe_error(error: ErrorDetails) -> str:
    """One pydantic error in Vietnamese (our validators already write Vietnamese)."""
    problem = _MESSAGES.get(error["type"], error["msg"].removeprefix("Value error, "))
    return problem.format(**error.get("ctx", {}))


def read_yaml(path: Path, what: str, fix: str) -> tuple[Any, yaml.Node | None]:
    """The file's data and its node tree (for line numbers); a missing or unreadable file is a ConfigError."""
    if not path.exists():
        raise ConfigError(f"Không có tệp {what} {path}: {fix}")
    try:
        text = path.read_text(encoding="utf-8")
        return yaml.load(text, Loader=_Loader), yaml.compose(text, Loader=_Loader)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: tệp {what} không phải UTF-8 ({exc.reason}); lưu lại bằng UTF-8.") from exc
    except yaml.MarkedYAMLError as exc:
        # Where the broken construct starts (an unclosed quote) says more than where the parser gave up.
        mark = exc.context_mark or exc.problem_mark
        place = where(path, mark.line + 1, mark.column + 1) if mark else str(path)
        detail = "; ".join(part for part in (exc.context, exc.problem) if part)
        raise ConfigError(f"{place}: lỗi cú pháp YAML trong tệp {what} ({detail}); "
                          "kiểm tra dấu ngoặc kép, dấu hai chấm và thụt lề.") from exc
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"Không đọc được tệp {what} {path}: {exc}") from exc


def item_line(node: yaml.Node | None, index: int, key: str | None = None) -> int | None:
    """1-based line of item `index` of a YAML list (or of its `key`), when the node tree has it."""
    if not isinstance(node, yaml.SequenceNode) or index >= len(node.value):
        return None
    return _line(node.value[index], key)


def key_node(node: yaml.Node | None, key: str | None) -> yaml.Node | None:
    """The value node of a key of a YAML mapping, when the node tree has it."""
    if isinstance(node, yaml.MappingNode) and key is not None:
        for name, value in node.value:
            if name.value == key:
                return value
    return None


def _line(node: yaml.Node | None, key: str | None) -> int | None:
    """1-based line of a mapping's `key`, else of the mapping itself."""
    found = key_node(node, key) or node
    return int(found.start_mark.line) + 1 if found is not None else None


def as_list(data: Any, path: Path, what: str, example: str) -> list[Any]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise ConfigError(f"{path}: tệp {what} phải là một danh sách YAML (mỗi mục bắt đầu bằng '- '), ví dụ {example}")
    return data


def validate(model: type[Model], data: Any, node: yaml.Node | None, path: Path, label: str) -> Model:
    """data as `model`; a mistake is a ConfigError naming the line of the field at fault."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        line = _line(node, str(error["loc"][0]) if error["loc"] else None)
        raise ConfigError(f"{where(path, line)}: {label}, trường '{field}': {describe_error(error)}.") from exc


def validate_items(model: type[Model], items: list[Any], node: yaml.Node | None, path: Path,
                   what: str) -> list[Model]:
    """Each item as `model`; the first invalid one is a ConfigError naming its line and field."""
    nodes = node.value if isinstance(node, yaml.SequenceNode) else []
    return [validate(model, item, nodes[index] if index < len(nodes) else None, path,
                     f"mục thứ {index + 1} trong tệp {what}") for index, item in enumerate(items)]


def repeated(ids: list[str], node: yaml.Node | None, path: Path, what: str) -> None:
    """A ConfigError naming both lines when an id is used twice."""
    first: dict[str, int] = {}
    for index, item_id in enumerate(ids):
        if item_id in first:
            lines = [item_line(node, first[item_id], "id"), item_line(node, index, "id")]
            where = " và ".join(f"dòng {n}" for n in lines if n) or "hai mục"
            raise ConfigError(f"{path}: mã '{item_id}' lặp lại trong tệp {what} ({where}); mỗi mục cần một mã riêng.")
        first[item_id] = index
