"""Start-up: the QApplication (high-DPI, Chinese fonts with fallbacks, Qt's own Chinese strings), then the window."""

from __future__ import annotations

import sys
from pathlib import Path

from gui.qt import QApplication, QFont, QGuiApplication, QLibraryInfo, QLocale, Qt, QTranslator, QWidget

APP_NAME = "ReviewDesk"
WINDOW_TITLE = "审核台 ReviewDesk"
MIN_POINT_SIZE = 10.0

# The UI font: the first family present is used, the rest are searched glyph by glyph.
UI_FONT_FAMILIES = [
    "Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
]
# Rare characters (CJK Extension B and beyond, in some enterprise and person names).
RARE_CHARACTER_FAMILIES = [
    "SimSun-ExtB", "MingLiU-ExtB", "SimSun-ExtG", "Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC",
    "WenQuanYi Zen Hei", "HanaMinA", "HanaMinB", "BabelStone Han", "Sun-ExtB",
]


# Qt's own strings its shipped Chinese catalogue leaves in English (Qt 6 moved them to a new context).
QT_GAPS = {
    ("QAbstractFileIconProvider", "Folder"): "文件夹", ("QAbstractFileIconProvider", "File Folder"): "文件夹",
    ("QAbstractFileIconProvider", "Drive"): "驱动器", ("QAbstractFileIconProvider", "File"): "文件",
    ("QAbstractFileIconProvider", "%1 File"): "%1 文件", ("QFileSystemModel", "Size"): "大小",
    ("QFileSystemModel", "Type"): "类型", ("QFileSystemModel", "Kind"): "类型",
}


class GapTranslator(QTranslator):
    """Chinese for the few strings of Qt's dialogs that ``qtbase_zh_CN`` does not translate."""

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str:
        return QT_GAPS.get((context, source), "")

    def isEmpty(self) -> bool:  # noqa: N802 - Qt's name
        return False


def _install_translations(app: QApplication) -> list[QTranslator]:
    """Load Qt's own Chinese strings (standard buttons, dialogs) if shipped, and fill the gaps they leave."""
    gaps = GapTranslator(app)
    app.installTranslator(gaps)  # searched last: the shipped catalogue answers first where it can
    translators: list[QTranslator] = [gaps]
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in ("qtbase_zh_CN",):
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            translators.append(translator)
    return translators


def _ui_font(app: QApplication) -> QFont:
    font = QFont(app.font())
    families = UI_FONT_FAMILIES + [f for f in RARE_CHARACTER_FAMILIES if f not in UI_FONT_FAMILIES]
    font.setFamilies(families + [app.font().family()])
    if font.pointSizeF() < MIN_POINT_SIZE:
        font.setPointSizeF(MIN_POINT_SIZE)
    for family in UI_FONT_FAMILIES + ["SimSun", "宋体", "Sans Serif"]:
        QFont.insertSubstitutions(family, RARE_CHARACTER_FAMILIES)
    return font


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication, set up for a Chinese UI on any DPI. Reuses one if it exists."""
    existing = QApplication.instance()
    if existing is not None:
        return existing  # type: ignore[return-value]  # a QApplication: only this module creates the instance
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    # The desktop's own file dialogs follow the system language (English on many PCs); Qt's are translated.
    QApplication.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, True)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("审核台")
    app.setOrganizationName(APP_NAME)
    app.setStyle("Fusion")
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    app._translators = _install_translations(app)  # type: ignore[attr-defined]  # keep them alive
    app.setFont(_ui_font(app))
    return app


def open_main_window(folder: Path) -> QWidget:
    """Open the workspace in ``folder`` and build the main window over it; raises ReviewDeskError."""
    from models.workspace.workspace import Workspace

    from gui.errors import log_to
    from gui.main_window import MainWindow

    ws = Workspace.open(folder)
    log_to(ws.log_path)
    return MainWindow(ws)


def run_gui(workspace: Path | None = None) -> int:
    """Start the desktop program; returns the exit code of the event loop."""
    app = create_application()
    from models.failures import EXIT_FAILED
    from models.workspace.workspace import default_workspace

    from gui import errors

    from gui.settings_dialog import remembered_workspace
    from models.workspace.workspace import DB_NAME

    folder = Path(workspace) if workspace is not None else remembered_workspace() or default_workspace()
    if workspace is None and not (folder / DB_NAME).exists():
        from gui.first_start import choose_first_workspace

        chosen = choose_first_workspace(folder)
        if chosen is None:
            return 0
        folder = chosen
    try:
        window = open_main_window(folder)
    except Exception as error:  # noqa: BLE001 - a locked or newer workspace is a message, not a crash
        errors.report(error, None, "无法打开工作区")
        return EXIT_FAILED
    errors.install_excepthook()
    window.show()
    try:
        return app.exec()
    finally:
        window.ws.close()  # type: ignore[attr-defined]  # a MainWindow at run time; typed QWidget here
        errors.stop_logging()

