"""The words of the two-stage review, shared by the rules, the CLI and the GUI; nothing heavy to import."""

FIRST, SECOND = "初审", "复核"
STAGES = (FIRST, SECOND)
OUTCOMES = ("通过", "部分通过", "不通过", "退回补正", "提交负责人")
ROLES = ("初审", "复核", "负责人")
ROLES_FOR_STAGE = {FIRST: ("初审", "负责人"), SECOND: ("复核", "负责人")}
