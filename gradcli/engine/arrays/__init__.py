"""The array engine: programs with vectors and matrices, evaluated with numpy.

The scalar engine (gradcli.graph, gradcli.sweep) stays a flat loop over
array('d'); its lowering raises NeedsArrays at the first array form, and
gradcli.report.compute hands the program here instead. numpy is imported only
by these modules.

    lower.py   statements -> ArrayGraph, tracing values (and shapes) as it goes
    sweep.py   one node's forward step, replay, and the reverse sweep of VJPs
    report.py  ArrayReport and compute_arrays (bindings, upstream, seed)
    files.py   array values from the command line and from .npy/.csv/.json files
"""
