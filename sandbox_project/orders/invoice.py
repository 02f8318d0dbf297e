"""Generate the invoice PDF attached to an order confirmation."""

from fpdf import FPDF

CURRENCY = "EUR"


def invoice_filename(order):
    return f"invoice-{order.number}.pdf"


def invoice_pdf(order, site_name):
    """Return the invoice of `order` as PDF bytes."""
    pdf = FPDF(format="A4")
    pdf.set_title(f"Invoice {order.number}")
    pdf.set_creator(site_name)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.cell(0, 10, f"{site_name}: invoice {order.number}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    pdf.cell(0, 8, f"Date: {order.created_at:%d %B %Y}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, f"Customer: {_latin1(order.user.get_full_name() or order.user.username)}",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    with pdf.table(col_widths=(50, 15, 20, 20), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")
                   ) as table:
        table.row(["Book", "Qty", "Unit price", "Total"])
        for line in order.lines.select_related("book"):
            table.row([_latin1(line.book.title), str(line.quantity),
                       f"{line.unit_price} {CURRENCY}", f"{line.line_total} {CURRENCY}"])
        table.row(["Total", "", "", f"{order.total} {CURRENCY}"])
    return bytes(pdf.output())


def _latin1(text):
    # The PDF core fonts cover Latin-1 only; anything else is replaced, not dropped.
    return text.encode("latin-1", "replace").decode("latin-1")
