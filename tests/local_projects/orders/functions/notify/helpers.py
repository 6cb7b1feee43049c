def greeting(order_id):
    return f"order {order_id} recorded"
