"""Evidence files for the demo: certificates, invoices, reports as PDF, a scan as PNG."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from demo.applications import DemoRow
from models.exports.fonts import find_cjk_font, register_reportlab_font

TITLES = {
    "certificate": "认定文件",
    "invoice": "设备购置发票及清单",
    "receipt": "上级资助拨付凭证",
    "report": "绩效评估报告",
}
DEMO_MARK = "演示数据 · 非真实文件"


def write_pdf(path: Path, row: DemoRow, kind: str, font: str) -> None:
    values = row.values
    page = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    page.setTitle(f"{TITLES[kind]} {values['申报编号']}")
    width, height = A4
    page.setFont(font, 22)
    page.drawCentredString(width / 2, height - 110, TITLES[kind])
    page.setFont(font, 12)
    lines = [
        f"企业名称：{values['企业名称']}",
        f"统一社会信用代码：{values['统一社会信用代码']}",
        f"事项：{values['申报事项']}",
        f"日期：{values['认定日期']}",
    ]
    if kind == "invoice":
        lines += [f"设备(含软件)购置金额：{values['设备购置额(万元)']} 万元", "清单：纺纱设备、织造设备、MES 软件"]
    if kind == "receipt":
        lines.append(f"上级资助金额：{values['上级资助金额(万元)']} 万元")
    if kind == "report":
        lines += [f"飞地所在地区：{values['飞地所在地区']}", f"绩效评估结论：{values['绩效评估']}"]
    y = height - 170
    for line in lines:
        page.drawString(80, y, line)
        y -= 26
    page.setFont(font, 10)
    page.setFillGray(0.5)
    page.drawCentredString(width / 2, 60, DEMO_MARK)
    page.showPage()
    page.save()


def write_scan(path: Path, row: DemoRow) -> None:
    """A small PNG standing in for a scanned photo of the plaque."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (800, 520), (246, 240, 226))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, 770, 490), outline=(150, 30, 30), width=8)
    choice = find_cjk_font()
    big = ImageFont.truetype(str(choice.path), 44, index=choice.subfont_index)
    small = ImageFont.truetype(str(choice.path), 26, index=choice.subfont_index)
    draw.text((400, 170), row.values["申报事项"], fill=(150, 30, 30), font=big, anchor="mm")
    draw.text((400, 280), row.values["企业名称"], fill=(40, 40, 40), font=small, anchor="mm")
    draw.text((400, 420), DEMO_MARK, fill=(120, 120, 120), font=small, anchor="mm")
    image.save(path, format="PNG")


def write_evidence(rows: list[DemoRow], folder: Path) -> int:
    font = register_reportlab_font()
    count = 0
    for row in rows:
        for name, kind in row.files:
            if kind == "photo":
                write_scan(folder / name, row)
            else:
                write_pdf(folder / name, row, kind, font)
            count += 1
    return count
