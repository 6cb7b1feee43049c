"""Views: the static pictures and notebook displays of machines, executions and histories.

* :mod:`sfnkit.views.render` draws a state machine's graph IR (:mod:`sfnkit.asl.graph`) as SVG, coloured by
  what an execution did;
* :mod:`sfnkit.views.display` builds the mime bundles that ``_repr_mimebundle_`` methods return (SVG, HTML and
  informative text), and :func:`~sfnkit.views.display.show_static`.

Layer (DESIGN.md): views read the front end's model and graph and the history; they never import the runtime,
the reports or the widgets (``tests/test_layers.py``). The widgets and the HTML report draw with them.
"""
