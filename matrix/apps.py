from django.apps import AppConfig


class MatrixConfig(AppConfig):
    name = "matrix"

    def ready(self) -> None:
        from generations.signals import generation_settled
        from matrix import receivers

        generation_settled.connect(receivers.cell_settled, dispatch_uid="matrix-cell-settled")
