"""The measures of 聊政办发〔2023〕10号 as data, and the award engine. No Qt here."""
