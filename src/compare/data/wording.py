"""Words of a plan that say what kind of quantity a value is, shared by ``validate`` (the newly-built
guard) and the extractor (reading a candidate's basis)."""

from __future__ import annotations

import re

#: words that say a count is newly built or added within the period (a total added, not a stock)
NEW_WORDS = re.compile(r"新建改建|新建或改扩建|新改建|改扩建|新建|新增|新培育|新招录|新认定|新创建")
#: 新建 that names where something is, not what is added: "新建住宅小区", "新建城区", "新增用地"
NEW_SCOPE_WORDS = re.compile(r"新建(?:城镇)?(?:住宅)?(?:小区|居住区|城区|社区|住宅)|新增(?:建设)?用地")


def new_words(text: str) -> list[str]:
    """The words of ``text`` that say a count is newly built or added (scope words such as 新建住宅小区 left out)."""
    masked = NEW_SCOPE_WORDS.sub(lambda m: "□" * len(m.group(0)), text)
    return [m.group(0) for m in NEW_WORDS.finditer(masked)]
