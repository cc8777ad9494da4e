"""What a page says when its picker fell back to the latest period with data."""

NOTE_MONTH = "显示有数据的最近月份"
NOTE_YEAR = "显示有数据的最近年份"
