"""How the workbooks duban writes look: the tracking workbook's layout and the house style."""
