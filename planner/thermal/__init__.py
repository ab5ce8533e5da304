"""Pennes bioheat model of the patient, the protocol and the thermocouples (issue 16; Qt/VTK free).

See docs/thermal-model.md for the equations, the tissue table, the calibration and its residuals.
"""
