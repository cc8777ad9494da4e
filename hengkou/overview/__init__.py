"""The zone's annual overview (年度工作总结): its figures, its page and its URL."""
