"""What leaves the workspace for people: the summary workbook, statistics, fonts for print, safe copy-out."""
