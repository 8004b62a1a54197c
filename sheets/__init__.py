"""审核表: the signed review sheet of one application, its blank paper form, and their verification.

No Qt here: the GUI previews and prints the PDFs these modules write.

- ``batch.export_sheets`` — number, audit, render, sign and write ``<申报编号>.pdf`` (parallel for big batches)
- ``blank_form.render_blank_form`` — the pre-filled form experts fill in on paper (unsigned)
- ``verify.verify_pdf`` / ``verify.lookup_code`` — offline verification of a file, look-up of a typed code
- ``bench.measure`` — signed and unsigned sheets per second

Inside: ``content`` (what a sheet shows, as plain data), ``layout`` with ``ruled``, ``page``,
``flowables`` and ``styles`` (reportlab), ``sign`` (pyHanko), ``registry``
(the ``sheets`` table), ``currency`` (is a sheet still current), ``shown`` and ``times`` (a record as
read back), ``amounts`` (大写金额), ``codes`` (verification codes).
"""
