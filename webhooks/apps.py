from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self) -> None:
        from generations.signals import approval_requested, generation_settled
        from matrix.signals import matrix_finished
        from spend.signals import budget_threshold_crossed
        from webhooks import receivers

        generation_settled.connect(
            receivers.generation_settled, dispatch_uid="webhooks-generation-settled"
        )
        approval_requested.connect(
            receivers.approval_requested, dispatch_uid="webhooks-approval-requested"
        )
        budget_threshold_crossed.connect(
            receivers.budget_threshold_crossed, dispatch_uid="webhooks-budget-threshold"
        )
        matrix_finished.connect(receivers.matrix_finished, dispatch_uid="webhooks-matrix-finished")
